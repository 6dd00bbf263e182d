import type { Facts } from './facts.js'
import { compilePath, type ComputedTraits, type Getter } from './paths.js'

/** A compiled text template: `Hello {{profile.traits.firstName}}`. */
export type Template = (facts: Facts) => string

const PLACEHOLDER = /\{\{\s*([^}\s]+)\s*\}\}/g

/** Compiles `{{path}}` placeholders once; returns the template or the problems found. */
export function compileTemplate(text: string, computed: ComputedTraits, problems: string[]): Template {
  if (!text.includes('{{')) return () => text
  const pieces: Array<string | Getter> = []
  let last = 0
  for (const match of text.matchAll(PLACEHOLDER)) {
    pieces.push(text.slice(last, match.index))
    const getter = compilePath(match[1]!, computed)
    if (typeof getter === 'string') {
      problems.push(`placeholder {{${match[1]}}}: ${getter}`)
      pieces.push('')
    } else pieces.push(getter)
    last = match.index + match[0].length
  }
  pieces.push(text.slice(last))
  return (facts) => {
    let out = ''
    for (const piece of pieces) {
      if (typeof piece === 'string') out += piece
      else {
        const value = piece(facts)
        out += value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value)
      }
    }
    return out
  }
}
