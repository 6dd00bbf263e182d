import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileFeedStateStore, MemoryFeedStateStore } from './index.js'
import { describeFeedStateStoreContract } from './testing/index.js'

describeFeedStateStoreContract('memory', () => new MemoryFeedStateStore())

const dirs = new WeakMap<object, string>()
describeFeedStateStoreContract(
  'file',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'omotenashi-feed-state-'))
    const store = new FileFeedStateStore(dir)
    dirs.set(store, dir)
    return store
  },
  (store) => new FileFeedStateStore(dirs.get(store)!),
)
