// A bounded load generator, run as its own process: N POSTs of {"mobile": ...} (a new number each time,
// counting from the given first index, so runs never repeat a number)
// to one URL on loopback, C at a time. Prints requests per second and the status counts as JSON.
import { Pool } from 'undici'

const [url, path, total, concurrency, first] = [
  process.argv[2]!,
  process.argv[3]!,
  Number(process.argv[4]),
  Number(process.argv[5]),
  Number(process.argv[6] ?? 0),
]
const origin = new URL(url).origin
const pool = new Pool(origin, { connections: concurrency })
const statuses: Record<number, number> = {}
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
process.stdout.write(JSON.stringify({ rps: total / seconds, statuses }))
