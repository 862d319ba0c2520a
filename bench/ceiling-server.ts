// The HTTP ceiling's server, run as its own process: node:http on loopback answering every request, once its
// body is read, with a fixed single_send-shaped JSON answer. No parsing, no validation, no state.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

// The sid is past 2^53, as Yunpian's are: the client has to parse it exactly.
const ANSWER =
  '{"code":0,"msg":"发送成功","count":1,"fee":0.05,"unit":"RMB","mobile":"13800138000","sid":9007199254740993}'

const server = createServer((req, res) => {
  req.resume()
  req.once('end', () => {
    res.writeHead(200, { 'content-type': 'application/json;charset=utf-8' })
    res.end(ANSWER)
  })
})
server.keepAliveTimeout = 60_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`)
})
