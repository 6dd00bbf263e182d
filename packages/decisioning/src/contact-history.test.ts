import { MemoryContactHistory } from './contact-history.js'
import { describeContactHistoryContract } from './testing/index.js'

describeContactHistoryContract('MemoryContactHistory', () => new MemoryContactHistory(), { bounded: (perCustomer) => new MemoryContactHistory({ perCustomer }) })
