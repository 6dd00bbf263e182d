import { randomUUID } from 'node:crypto'
import { connect } from 'nats'
import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { deleteHub } from '@omotenashi/bus-nats'
import { Tokens } from '@omotenashi/core'
import { serviceTest } from '@omotenashi/core/testing'
import { ProfileTokens } from '@omotenashi/profile'
import { checkGuide } from './check-snippets.js'
import { startWorker } from './snippets/deploy-worker.js'

const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test'
const hubName = `deploy_${randomUUID().slice(0, 6)}`
const pgTest = await serviceTest('postgres')
const test = pgTest === it ? await serviceTest('nats') : pgTest

afterAll(async () => {
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect().catch(() => undefined)
  await client.query(`DROP SCHEMA IF EXISTS ${hubName} CASCADE`).catch(() => undefined)
  await client.end().catch(() => undefined)
  const nc = await connect({ servers: 'nats://127.0.0.1:4222' }).catch(() => undefined)
  if (!nc) return
  const jsm = await nc.jetstreamManager()
  await deleteHub(jsm, hubName)
  await nc.close()
})

describe('docs: deploying on NATS + PostgreSQL', () => {
  it('quotes its snippet exactly, and every code block is a snippet this test runs', () => {
    const report = checkGuide('deploy')
    expect(report.unexecuted.map((f) => `line ${f.line}: ${f.body.slice(0, 60)}`)).toEqual([])
    expect(report.unquoted).toEqual([])
  })

  test('the worker of the guide runs on the local NATS and PostgreSQL', async () => {
    const hub = await startWorker({ DATABASE_URL, HUB: hubName })
    await hub.publish({ type: 'store.checked_in', source: 'app', identity: { loyaltyId: 'L-DEPLOY' }, storeId: 'shibuya' })
    await hub.drain()
    const id = await hub.get(Tokens.IdentityResolver).resolve({ loyaltyId: 'L-DEPLOY' }, { create: false })
    const profile = await hub.get(ProfileTokens.ProfileStore).get(id!)
    expect(profile?.activity.map((a) => a.type)).toEqual(['store.checked_in'])
    await hub.stop()
  })
})
