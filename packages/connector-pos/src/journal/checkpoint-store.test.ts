import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FileCheckpointStore, MemoryCheckpointStore } from '../index.js'
import { describeCheckpointStoreContract } from '../testing/index.js'

describeCheckpointStoreContract('memory', () => new MemoryCheckpointStore())

const dirs = new WeakMap<object, string>()
describeCheckpointStoreContract(
  'file',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'omotenashi-checkpoints-'))
    const store = new FileCheckpointStore(dir)
    dirs.set(store, dir)
    return store
  },
  (store) => new FileCheckpointStore(dirs.get(store)!),
)
