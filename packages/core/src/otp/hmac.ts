import { createHash, hash } from 'node:crypto'

/**
 * HMAC-SHA-256 (RFC 2104) as two one-shot hashes: the same bytes as `createHmac`, without an Hmac object per
 * call, which for messages this short costs more than the hashing (measured in a server: half the time).
 */
export function hmacSha256Hex(key: Uint8Array): (message: string) => string {
  const block = Buffer.alloc(64)
  block.set(key.length > 64 ? createHash('sha256').update(key).digest() : key)
  const inner = block.map((byte) => byte ^ 0x36)
  const outer = block.map((byte) => byte ^ 0x5c)
  return (message) => {
    const innerDigest = hash('sha256', Buffer.concat([inner, Buffer.from(message)]), 'buffer')
    return hash('sha256', Buffer.concat([outer, innerDigest]), 'hex')
  }
}
