import { describe, expect, it } from 'vitest'
import {
  type OtpMessageContext,
  OtpService,
  type OtpServiceOptions,
  YunpianApiError,
  YunpianClient,
  YunpianOptionsError,
  YunpianValidationError,
} from '../src/index.js'
import { rejection } from './helpers.js'
import { NUMBERS, SECRET, setup } from './otp-setup.js'

const CN = '+8613800138000'
const CN_TEMPLATE = { id: 7, text: '【Acme】您的验证码是#code#，#minutes#分钟内有效' }
const byTemplate = {
  id: 7,
  values: ({ ttlMinutes }: OtpMessageContext) => ({ minutes: String(ttlMinutes) }),
}
const byLocale = ({ code, locale }: OtpMessageContext) =>
  locale?.startsWith('zh') ? `【Acme】验证码 ${code}` : `【Acme】Your code is ${code}`

describe('OtpService by template, per country and per locale, end to end against the fake', () => {
  it('sends by an approved template: #code# filled, other values from the context, and verifies', async () => {
    const { otp, fake, codeOf } = await setup(
      { message: undefined, template: byTemplate },
      { templates: [CN_TEMPLATE] },
    )
    await otp.send({ mobile: CN, clientKey: 'ip-1' })
    const sent = fake.outbox.last(CN)!
    expect(sent).toMatchObject({ endpoint: 'sms/tpl_single_send', tplId: 7, mobile: '13800138000' })
    expect(sent.text).toBe(`【Acme】您的验证码是${codeOf(CN)}，5分钟内有效`)
    expect(await otp.verify({ mobile: CN, code: codeOf(CN), clientKey: 'ip-1' })).toMatchObject({
      ok: true,
      mobile: CN,
    })
  })

  it('chooses per country (template for China, text elsewhere) and per request locale', async () => {
    const { otp, fake } = await setup(
      { message: byLocale, template: ({ country }) => (country === 'CN' ? byTemplate : undefined) },
      // With templates configured, free text must match one too, as at Yunpian.
      {
        templates: [CN_TEMPLATE, { text: '【Acme】验证码 #code#' }, { text: '【Acme】Your code is #code#' }],
      },
    )
    await otp.send({ mobile: CN, clientKey: 'ip-1', locale: 'en' })
    await otp.send({ mobile: NUMBERS.UK, clientKey: 'ip-2', locale: 'zh-CN' })
    await otp.send({ mobile: NUMBERS.SG, clientKey: 'ip-3' })
    expect(fake.outbox.all().map((m) => [m.mobile, m.endpoint, m.text.replace(/\d{6}/, 'CODE')])).toEqual([
      ['13800138000', 'sms/tpl_single_send', '【Acme】您的验证码是CODE，5分钟内有效'],
      [NUMBERS.UK, 'sms/single_send', '【Acme】验证码 CODE'],
      [NUMBERS.SG, 'sms/single_send', '【Acme】Your code is CODE'],
    ])
  })

  it('the fake checks the template as Yunpian does: outside its countries 23, unknown 5; the number may ask again', async () => {
    const { otp, fake } = await setup(
      { message: undefined, template: { id: 8 } },
      { templates: [{ id: 8, text: '【Acme】Code #code#', countries: ['SG'] }] },
    )
    const outside = await rejection(otp.send({ mobile: NUMBERS.UK, clientKey: 'ip-1' }))
    expect(outside).toBeInstanceOf(YunpianApiError)
    expect(outside).toMatchObject({ code: 23, kind: 'recipient' })
    expect(fake.outbox.size).toBe(0)
    // Nothing was sent, so the number's cooldown was given back.
    await otp.send({ mobile: NUMBERS.SG, clientKey: 'ip-1' })
    expect(fake.outbox.last(NUMBERS.SG)?.text).toMatch(/^【Acme】Code \d{6}$/)

    const unknown = await setup({ message: undefined, template: { id: 99 } }, { templates: [CN_TEMPLATE] })
    expect(await rejection(unknown.otp.send({ mobile: CN, clientKey: 'ip-1' }))).toMatchObject({ code: 5 })
  })

  it('a template value the fake lacks (#minutes# missing) answers 58 and sends nothing', async () => {
    const { otp, fake } = await setup(
      { message: undefined, template: { id: 7 } },
      { templates: [CN_TEMPLATE] },
    )
    expect(await rejection(otp.send({ mobile: CN, clientKey: 'ip-1' }))).toMatchObject({ code: 58 })
    expect(fake.outbox.size).toBe(0)
  })

  it('a locale is checked like every field; a message that fails for one sends nothing and gives the budget back', async () => {
    const { otp, fake } = await setup({
      message: ({ code, locale }) => (locale === 'fr' ? (undefined as never) : `【Acme】Code ${code}`),
    })
    const bad = await rejection(otp.send({ mobile: NUMBERS.UK, clientKey: 'ip-1', locale: '<script>' }))
    expect(bad).toBeInstanceOf(YunpianValidationError)
    expect(bad.message).toMatch(/locale.*BCP 47/)
    const missing = await rejection(otp.send({ mobile: NUMBERS.UK, clientKey: 'ip-1', locale: 'fr' }))
    expect(missing).toBeInstanceOf(YunpianOptionsError)
    expect(missing).toMatchObject({ option: 'message', owner: 'OtpService' })
    expect(missing.message).toMatch(/must return a string \(country GB, locale fr\); nothing was sent/)
    await otp.send({ mobile: NUMBERS.UK, clientKey: 'ip-1', locale: 'en' })
    expect(fake.outbox.size).toBe(1)
  })

  it('start-up refuses no message and no template, and a message missing a country it serves', () => {
    const client = new YunpianClient({ apikey: 'a'.repeat(32), baseUrl: 'http://127.0.0.1:9' })
    const base = { client, secret: SECRET, countries: ['GB', 'CN'], warn: () => {} } as OtpServiceOptions
    expect(() => new OtpService(base)).toThrow(/message: .*is required unless template is given/)
    const texts: Record<string, string> = { GB: '【Acme】Your code is ' }
    expect(
      () =>
        new OtpService({
          ...base,
          message: ({ code, country }) =>
            texts[country ?? ''] ? `${texts[country!]}${code}` : (undefined as never),
        }),
    ).toThrow(/message: .*must return a string \(for CN\)/)
    expect(() => new OtpService({ ...base, template: { id: 'x' as never } })).toThrow(/template/)
    expect(
      () =>
        new OtpService({ ...base, template: ({ country }) => (country === 'CN' ? { id: 7 } : undefined) }),
    ).toThrow(/template: .*no template and no message \(for GB\)/)
    void client.close()
  })
})

describe('OtpService over voice', () => {
  it('send({ channel: "voice" }) calls a mainland number with the code, under the same budgets', async () => {
    const { otp, fake, codeOf, clock } = await setup({ voice: true })
    const sent = await otp.send({ mobile: CN, clientKey: 'ip-1', channel: 'voice' })
    expect(sent.sid).toMatch(/^[0-9a-f]{32}$/)
    expect(fake.outbox.last(CN)).toMatchObject({ endpoint: 'voice/send', mobile: '13800138000' })
    expect(await otp.verify({ mobile: CN, code: codeOf(CN), clientKey: 'ip-1' })).toMatchObject({ ok: true })
    // The number's cooldown counts voice and SMS alike.
    const again = await rejection(otp.send({ mobile: CN, clientKey: 'ip-2' }))
    expect(again.name).toBe('OtpRateLimitedError')
    clock.advance(61_000)
    await otp.send({ mobile: CN, clientKey: 'ip-2' })
    expect(fake.outbox.last(CN)?.endpoint).toBe('sms/single_send')
  })

  it('voice is refused before any budget when not enabled or the number is not a mainland one', async () => {
    const off = await setup()
    const disabled = await rejection(off.otp.send({ mobile: CN, clientKey: 'ip-1', channel: 'voice' }))
    expect(disabled).toBeInstanceOf(YunpianValidationError)
    expect(disabled.message).toMatch(/channel: .*voice: true/)
    const on = await setup({ voice: true })
    const abroad = await rejection(on.otp.send({ mobile: NUMBERS.UK, clientKey: 'ip-1', channel: 'voice' }))
    expect(abroad.message).toMatch(/mainland China numbers only; this one is GB/)
    expect(on.storeLog.filter((l) => l.startsWith('consume'))).toEqual([])
    expect(
      await rejection(on.otp.send({ mobile: CN, clientKey: 'ip-1', channel: 'fax' as never })),
    ).toBeInstanceOf(YunpianValidationError)
    const client = new YunpianClient({ apikey: 'a'.repeat(32), baseUrl: 'http://127.0.0.1:9' })
    expect(
      () =>
        new OtpService({
          client,
          secret: SECRET,
          countries: ['CN'],
          message: ({ code }) => `【Acme】${code}`,
          voice: true,
          codeLength: 8,
        }),
    ).toThrow(/codeLength: .*4 to 6 digits with voice: true/)
    void client.close()
  })
})
