import { ValidationError } from '@omotenashi/core'
import { describe, expect, it } from 'vitest'
import { resolveServerOptions } from '../plugin.js'
import { segmentToEvent } from './segment-mapping.js'

const seg = resolveServerOptions({}).segment

describe('segmentToEvent', () => {
  it('maps userId and anonymousId to identifiers, messageId to the event id, timestamp to time', () => {
    const e = segmentToEvent({ type: 'page', userId: 'u1', anonymousId: 'a1', messageId: 'm1', timestamp: '2026-02-01T09:00:00+09:00', properties: { path: '/x' } }, undefined, seg)
    expect(e).toMatchObject({ id: 'm1', type: 'page.viewed', source: 'web', identity: { customerId: 'u1', anonymousId: 'a1' }, time: '2026-02-01T00:00:00.000Z', data: { path: '/x' } })
  })

  it('uses configured track mappings, then built-ins, then segment.track', () => {
    const options = resolveServerOptions({ segment: { track: { 'Checked In': 'store.checked_in' }, userIdKind: 'loyaltyId', source: 'app' } }).segment
    expect(segmentToEvent({ userId: 'L1', event: 'Checked In', properties: { storeId: 'umeda', method: 'qr' } }, 'track', options)).toMatchObject({
      type: 'store.checked_in', source: 'app', storeId: 'umeda', identity: { loyaltyId: 'L1' }, data: { method: 'qr' },
    })
    expect(segmentToEvent({ userId: 'u', event: 'Product Added', properties: { sku: 'S', quantity: 2 } }, 'track', seg)).toMatchObject({ type: 'cart.item_added', data: { sku: 'S', quantity: 2 } })
    expect(segmentToEvent({ userId: 'u', event: 'Video Played', properties: { t: 3 } }, 'track', seg)).toMatchObject({ type: 'segment.track', data: { event: 'Video Played', properties: { t: 3 } } })
  })

  it('links identify traits named as identifiers', () => {
    const e = segmentToEvent({ userId: 'u', traits: { email: 'a@example.jp', phone: '+8190', age: 30 } }, 'identify', seg)
    expect(e.identity).toEqual({ customerId: 'u', email: 'a@example.jp', phone: '+8190' })
    expect(e.data).toEqual({ traits: { email: 'a@example.jp', phone: '+8190', age: 30 } })
  })

  it('names the field when a message cannot be mapped', () => {
    const issues = (fn: () => unknown) => {
      try {
        fn()
      } catch (error) {
        expect(error).toBeInstanceOf(ValidationError)
        return (error as ValidationError).issues.map((i) => i.path)
      }
      throw new Error('expected a ValidationError')
    }
    expect(issues(() => segmentToEvent({ userId: 'u' }, 'track', seg))).toEqual(['event'])
    expect(issues(() => segmentToEvent({ userId: 'u' }, 'alias', seg))).toEqual(['previousId'])
    expect(issues(() => segmentToEvent({ userId: 'u' }, undefined, seg))).toEqual(['type'])
    expect(issues(() => segmentToEvent({ userId: 'u', timestamp: 'soon' }, 'page', seg))).toEqual(['timestamp'])
    expect(issues(() => segmentToEvent({ type: 'track', event: 'x', userId: 'u' }, 'page', seg))).toEqual(['type'])
    expect(issues(() => segmentToEvent({ userId: { id: 1 } }, 'page', seg))).toEqual(['userId'])
    expect(issues(() => segmentToEvent(7, 'page', seg))).toEqual([''])
  })
})
