// A bounded load generator, run as its own process and driven over IPC so one start serves every run.
// Each message asks for N POSTs of {"mobile": ...} (a new number each time, counting from the given first
// index, so runs never repeat a number) to one URL on loopback, C at a time; the answer is the requests
// per second and the status counts.
import { Pool } from 'undici'

export interface LoadRequest {
  url: string
  path: string
  total: number
  concurrency: number
  first: number
}

export type LoadAnswer = { rps: number; statuses: Record<string, number> } | { error: string }

async function load({ url, path, total, concurrency, first }: LoadRequest) {
  const pool = new Pool(new URL(url).origin, { connections: concurrency })
  const statuses: Record<string, number> = {}
  let next = 0
  const started = performance.now()
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++
        const { statusCode, body } = await pool.request({
          path,
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ mobile: `+4474${String(first + i).padStart(8, '0')}` }),
        })
        await body.dump()
        statuses[statusCode] = (statuses[statusCode] ?? 0) + 1
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  await pool.close()
  return { rps: total / seconds, statuses }
}

if (process.send) {
  process.on('message', (request: LoadRequest) => {
    load(request).then(
      (answer: LoadAnswer) => process.send!(answer),
      (error: unknown) => process.send!({ error: String(error) } satisfies LoadAnswer),
    )
  })
}
