const digitsCache = new Map<string, number>()

/** Fraction digits of a currency (JPY 0, USD 2, BHD 3), from the ICU data Node ships. */
export function currencyDigits(currency: string): number {
  let digits = digitsCache.get(currency)
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
    } catch {
      digits = 2
    }
    digitsCache.set(currency, digits)
  }
  return digits
}

/** Converts an amount in minor units (cents) to the main unit the hub uses (dollars, yen). */
export function fromMinorUnits(amount: number | bigint, currency: string): number {
  const digits = currencyDigits(currency)
  return Number(amount) / 10 ** digits
}

/** Parses a decimal string such as `"1200.00"` or `"-3"`; undefined when it is not a number. */
export function parseDecimal(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined
  if (typeof value !== 'string') return undefined
  const text = value.trim().replace(/,/g, '')
  if (text === '' || !/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined
  return Number(text)
}
