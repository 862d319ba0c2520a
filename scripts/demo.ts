// `pnpm demo`: a fake Yunpian on loopback, one SMS through the client, the answer and the outbox entry.
import { YunpianClient } from '@yunpian-kit/core'
import { startFakeYunpian } from '@yunpian-kit/testing'

const fake = await startFakeYunpian()
const client = new YunpianClient({ apikey: fake.apikey, baseUrl: fake.url })
try {
  const answer = await client.sms.singleSend({
    mobile: '+447700900123',
    text: '【yunpian-kit】Your verification code is 482913. It expires in 5 minutes.',
  })
  console.log('Yunpian answered:', answer)
  console.log('The fake’s outbox holds:', fake.outbox.last('+447700900123'))
  const reports = await client.sms.pullStatus()
  console.log('pullStatus gave the delivery report:', reports[0])
} finally {
  await client.close()
  await fake.close()
}
