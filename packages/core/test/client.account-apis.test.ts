import { describe, expect, it } from 'vitest'
import { type YunpianApiError, YunpianValidationError } from '../src/index.js'
import { rejection, setup } from './helpers.js'

describe('templates, signatures, replies and fees against the fake over HTTP', () => {
  it('a template goes from tpl.add through review to tplBatchSend', async () => {
    const { fake, client } = await setup()
    const template = await client.tpl.add({ content: '【Acme】Your code is #code#' })
    expect(template.checkStatus).toBe('CHECKING')
    const early = (await rejection(
      client.sms.tplBatchSend({ mobile: ['13800138000'], tplId: template.id, tplValue: { code: '1' } }),
    )) as YunpianApiError
    expect(early).toMatchObject({ code: 7, kind: 'content' })
    fake.reviewTemplate(Number(template.id), 'SUCCESS')
    const sent = await client.sms.tplBatchSend({
      mobile: ['13800138000', '13900139000'],
      tplId: template.id,
      tplValue: { code: '4821' },
    })
    expect(sent.data.map((d) => d.code)).toEqual([0, 0])
    expect(fake.outbox.lastCode('13900139000')).toBe('4821')
    expect((await client.tpl.get({ id: template.id }))[0]?.checkStatus).toBe('SUCCESS')
    await client.tpl.update({ id: template.id, content: '【Acme】Code: #code#' })
    expect((await client.tpl.get())[0]).toMatchObject({
      content: '【Acme】Code: #code#',
      checkStatus: 'CHECKING',
    })
    await client.tpl.del({ id: template.id })
    expect(await rejection(client.tpl.get({ id: template.id }))).toMatchObject({ code: 5 })
  })

  it('signatures: add, list, a duplicate is refused', async () => {
    const { client } = await setup({ signs: ['Yunpian'] })
    expect(await client.sign.add({ sign: 'Acme' })).toMatchObject({ sign: 'Acme', applyState: 'SUCCESS' })
    expect(await rejection(client.sign.add({ sign: '【Acme】' }))).toMatchObject({ code: -54 })
    const list = await client.sign.get()
    expect(list.signs.map((s) => [s.sign, s.checkStatus])).toEqual([
      ['Yunpian', 'SUCCESS'],
      ['Acme', 'CHECKING'],
    ])
  })

  it('getReply finds replies that pullReply already took', async () => {
    const { fake, client } = await setup({ now: Date.UTC(2024, 0, 1, 4) })
    fake.reply({ mobile: '13800138000', text: 'TD' })
    expect(await client.sms.pullReply()).toHaveLength(1)
    const replies = await client.sms.getReply({
      startTime: '2024-01-01 00:00:00',
      endTime: '2024-01-01 23:59:59',
      mobile: '13800138000',
    })
    expect(replies.map((r) => r.text)).toEqual(['TD'])
  })

  it('getBlackWord, getTotalFee and user.set', async () => {
    const { client } = await setup({ now: Date.UTC(2024, 0, 1, 4), blackWords: ['赌博'] })
    expect(await client.sms.getBlackWord({ text: '【Acme】赌博' })).toEqual(['赌博'])
    expect(
      await rejection(client.sms.singleSend({ mobile: '13800138000', text: '【Acme】赌博' })),
    ).toMatchObject({
      code: 4,
      kind: 'content',
    })
    await client.sms.singleSend({ mobile: '13800138000', text: '【Acme】hello' })
    expect(await client.sms.getTotalFee({ date: '2024-01-01' })).toEqual({
      totalCount: 1,
      totalFee: 0.05,
      unit: 'RMB',
    })
    expect(await client.user.set({ alarmBalance: 50 })).toMatchObject({ alarmBalance: 50 })
  })

  it('requests are checked before any I/O', async () => {
    const { fake, client } = await setup()
    const errors = await Promise.all([
      rejection(client.tpl.add({ content: 'no signature #code#' })),
      rejection(client.tpl.add({ content: '【A】x', lang: 'fr' as never })),
      rejection(client.tpl.del({ id: 0 })),
      rejection(client.sign.add({ sign: 'A' })),
      rejection(client.user.set({})),
      rejection(client.sms.getTotalFee({ date: '2024/01/01' })),
      rejection(client.sms.tplBatchSend({ mobile: ['+447400123456'], tplId: 1 })),
    ])
    for (const error of errors) expect(error).toBeInstanceOf(YunpianValidationError)
    expect(errors[0]?.message).toMatch(/content.*【】/)
    expect([...fake.calls.values()].reduce((a, b) => a + b, 0)).toBe(0)
  })
})
