import { Tokens } from '@omotenashi/core'
import { ContainerModule } from 'inversify'
import { ErpInventory } from './inventory.js'
import { ErpTokens } from './tokens.js'

/**
 * Binds the ERP-fed {@link ErpInventory} to `Tokens.Inventory` (replacing core's memory
 * default), so decisioning reads stock per item and store from the ERP feeds in the hub.
 * Pass your own instance to share it with code outside the hub.
 */
export function erpInventory(inventory: ErpInventory = new ErpInventory()): ContainerModule {
  return new ContainerModule((m) => {
    m.bind(ErpTokens.Inventory).toConstantValue(inventory)
    m.bind(Tokens.Inventory).toConstantValue(inventory)
  })
}
