/** GSM 03.38 default alphabet: the basic table (1 septet each; ESC excluded, it is not text). */
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'
/** The extension table: an escape plus the character, 2 septets each. Form feed is its page break. */
const EXTENSION = '^{}\\[~]|€\f'

/** Septets per UTF-16 code unit: 1, 2, or 0 for "not in GSM 03.38". Indexed by char code. */
const SEPTETS = new Uint8Array(0x10000)
for (const ch of BASIC) SEPTETS[ch.charCodeAt(0)] = 1
for (const ch of EXTENSION) SEPTETS[ch.charCodeAt(0)] = 2

/** 1 or 2 septets, or 0 when the character is not in the GSM alphabet. */
export function gsmSeptets(charCode: number): number {
  return SEPTETS[charCode]!
}

export const GSM_SINGLE = 160
export const GSM_PART = 153
export const UCS2_SINGLE = 70
export const UCS2_PART = 67
