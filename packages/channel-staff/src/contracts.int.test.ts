import { describeChannelContract, describeConnectorContract } from '@omotenashi/core/testing'
import { startStaffHub } from './test-fixtures.js'
import { connectStaffClient } from './testing/index.js'

// The staff channel's "provider" is the devices: a real WebSocket client counts what arrives.
describeChannelContract('staff (WebSocket device)', async () => {
  const env = await startStaffHub()
  const device = await connectStaffClient(env.url, env.token('sato', ['shibuya']))
  return {
    channel: env.staff.channel,
    recipient: { customerId: 'c-1', identifiers: {} },
    message: { actionId: 'contract-test', title: 'Hello', text: 'Contract test card', storeId: 'shibuya' },
    delivered: async () => {
      // Let what was sent cross the socket before counting.
      await new Promise((r) => setTimeout(r, 50))
      return device.messages.filter((m) => m.type === 'card').length
    },
    cleanup: async () => {
      await device.close()
      await env.stop()
    },
  }
})

// Triggered by a device acknowledging a card over HTTP.
describeConnectorContract('staff acknowledgements', async () => {
  const env = await startStaffHub()
  const token = env.token('sato', ['shibuya'])
  const sent = await env.staff.channel.send({ actionId: 'greet', storeId: 'shibuya' }, { customerId: 'c-1', identifiers: {} }, { idempotencyKey: 'contract' })
  // The hub started this connector; the contract starts and stops it itself.
  await env.staff.acknowledgements.stop()
  return {
    connector: env.staff.acknowledgements,
    trigger: async () => {
      await fetch(`${env.url}/staff/acknowledgements`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ cardId: sent.providerMessageId, outcome: 'served' }),
      })
    },
    cleanup: () => env.stop(),
  }
})
