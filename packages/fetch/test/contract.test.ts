import { describeAdapterContract } from '@yunpian-kit/adapter-contract'
import { clientKeyFromAddress, yunpianHandler } from '../src/index.js'
import { addresses, serveHandler } from './node-server.js'

describeAdapterContract('web-standard handler behind node:http', (setup) =>
  serveHandler(
    yunpianHandler({
      otp: setup.otp,
      routes: {
        prefix: setup.prefix,
        clientKey: (request) => clientKeyFromAddress(addresses.get(request)),
        onVerified: setup.onVerified,
      },
      webhook: { ...setup.webhook },
      report: () => {},
    }),
  ),
)
