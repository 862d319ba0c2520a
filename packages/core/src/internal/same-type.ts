/**
 * `true` only when `A` and `B` are the same type (same keys, optional the same way, same field types).
 * Options are written twice on purpose, as a documented interface for editors and a zod schema for run-time
 * checks; `type _Same = Expect<SameType<Interface, z.input<typeof schema>>>` beside each pair fails the build
 * when the two drift apart.
 */
export type SameType<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false

/** Compiles only for `true`. */
export type Expect<T extends true> = T
