import { describeProfileStoreContract } from './testing/index.js'
import { MemoryProfileStore } from './memory-profile-store.js'

describeProfileStoreContract('memory', async ({ rules }) => ({ store: new MemoryProfileStore({ rules }) }))
