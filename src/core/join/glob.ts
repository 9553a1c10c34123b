// Shell-style globs for pod names, hosts and workloads: `*` any run of characters, `?` one, the rest
// literal, case-insensitive (DNS names and Kubernetes names are). Compiled once per pattern.

const cache = new Map<string, RegExp>()

export function globToRegExp(glob: string): RegExp {
  let re = cache.get(glob)
  if (!re) {
    const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')
    re = new RegExp(`^${body}$`, 'i')
    cache.set(glob, re)
  }
  return re
}

/** Whether `value` matches any of the globs. */
export function matchesAny(value: string, globs: readonly string[]): boolean {
  for (const g of globs) if (globToRegExp(g).test(value)) return true
  return false
}
