import { describeDeadLetterStoreContract, describeDecisionLogContract, describeIdempotencyLedgerContract, describeInboxStoreContract } from '../testing/index.js'
import { MemoryDeadLetterStore } from './dead-letters.js'
import { MemoryDecisionLog } from './decision-log.js'
import { MemoryIdempotencyLedger } from './idempotency-ledger.js'
import { MemoryInboxStore } from './inbox.js'

describeIdempotencyLedgerContract('memory', async () => ({ ledger: new MemoryIdempotencyLedger() }))
describeDecisionLogContract('memory', async () => ({ log: new MemoryDecisionLog() }))
describeInboxStoreContract('memory', async () => ({ inbox: new MemoryInboxStore() }))
describeDeadLetterStoreContract('memory', async () => ({ store: new MemoryDeadLetterStore() }))
