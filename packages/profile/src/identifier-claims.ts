import { splitIdentifierKey } from './identifier-rules.js'
import { withoutIdentifier } from './merge.js'
import type { Profile } from './profile.js'

/** The identifiers an applied event added, settled against a store's identifier index. See {@link claimIdentifiers}. */
export interface IdentifierClaims {
  /** The profile's identifiers to store: the applied ones without those another profile holds (the same object when none was refused). */
  readonly identifiers: Profile['identifiers']
  /** Added identifier keys the profile now holds: point them at it in the index. */
  readonly claimed: readonly string[]
  /** Added identifier keys another profile holds: left off this profile. */
  readonly refused: readonly string[]
}

/**
 * Settles the identifiers an applied event added (a push token registered…) against a store's
 * identifier index: an identifier another profile already holds is not taken, and is removed
 * from this profile. Applying an event never merges profiles (only resolve does, under the
 * resolution rules), so the reducer's addition must give way. Every store calls this, so they
 * all behave the same.
 *
 * @param identifiers the profile's identifiers after the event
 * @param added identifier keys ({@link identifierKey}) the event added, e.g. from {@link identifierMapChanges}
 * @param heldByAnother whether the index points a key at a different profile
 */
export function claimIdentifiers(identifiers: Profile['identifiers'], added: readonly string[], heldByAnother: (key: string) => boolean): IdentifierClaims {
  const claimed: string[] = []
  const refused: string[] = []
  let kept = identifiers
  for (const key of added) {
    if (!heldByAnother(key)) {
      claimed.push(key)
      continue
    }
    refused.push(key)
    const [kind, value] = splitIdentifierKey(key)
    kept = withoutIdentifier(kept, kind, value)
  }
  return { identifiers: kept, claimed, refused }
}
