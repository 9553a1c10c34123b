// Joins the hops of one request: a sidecar's outbound line and the egress gateway's line for the same
// request or connection (brief §4.3). Synchronous: add(hop) returns the groups it completed; no promise
// per line. Memory is bounded by the join window, not by the input: a hop that waits for a partner is
// dropped from the indexes once every input has moved more than the window past it.
//
// Keys, strongest first:
//   connection  sidecar UPSTREAM_LOCAL_ADDRESS = gateway DOWNSTREAM_REMOTE_ADDRESS. Identifies a connection,
//               not a request: HTTP requests on a reused connection are told apart by x-request-id, or, when
//               ids differ (Istio ≥1.26 may give a request a new id at the gateway), by the gateway's start
//               falling inside the sidecar's request.
//   request-id  the same x-request-id — unless both lines show addresses and they name different
//               connections: an id is propagated through a whole trace, and one trace may leave twice.
//   pod-time    only when the sidecar line has no UPSTREAM_LOCAL_ADDRESS (its connection never became
//               ready, e.g. a failed TLS handshake): the gateway's downstream is the sidecar's pod IP,
//               its listener the sidecar's UPSTREAM_HOST, and it started within the sidecar's span. Weak.
//
// Time: Envoy writes a line when the request or connection ends, so a log is ordered by START_TIME +
// DURATION, and that is the clock each input's watermark follows. A waiting hop expires when every open
// input's watermark has passed its end by more than the window; lines of different files out of order
// by less than the window still join.

import type {Evidence, Hop, JoinKey} from '../model.js'
import {ownDeep} from '../text/own.js'
import {ipOf} from './cluster.js'

export interface HopGroup {
  /** Sidecar first, then gateway. */
  hops: Hop[]
  joinedBy: JoinKey[]
  /** What joined them, citing both lines. */
  joinEvidence: Evidence[]
}

export interface JoinerOptions {
  /** How long (log time, ms) a hop waits for its partner; Infinity waits to the end of the input. */
  windowMs: number
  /**
   * How many hops may go on waiting after their window has passed. One input can hold several streams
   * one after another — `(kubectl logs -l app=curl; kubectl logs -l istio=egressgateway) | …` prints
   * every sidecar line before the first gateway line — and the later stream's partners arrive only once
   * the earlier stream's clock is long past them. Holding expired hops (oldest released first once more
   * than this many wait) lets such dumps join while memory stays bounded by this count. 0: none held,
   * as a live stream (-f) wants.
   */
  maxHeld?: number
  /** Write the evidence of each join (default true). A summary never reads it: false saves a few sentences per pair. */
  describe?: boolean
}

export const DEFAULT_WINDOW_MS = 5_000
export const DEFAULT_MAX_HELD = 20_000
/** Tolerance for a partner joined by connection and time alone: clocks of two pods, reused connections. */
const CONN_TOLERANCE_MS = 1_000
/** Tolerance when the two lines carry different request ids: only the sidecar request's own span. */
const STRICT_TOLERANCE_MS = 100

interface Pending {
  /** Null once it is done: the heap keeps a done entry until its deadline, and it must not keep the line. */
  hop: Hop | null
  /** Waits for a gateway line (it is a sidecar→gateway line) or for a sidecar line (it is a gateway line). */
  side: 'sidecar' | 'gateway'
  deadline: number
  done: boolean
  conn: string | null
  id: string | null
  pod: string | null
}

/** A min-heap of pending hops by deadline (lazy deletion: joined ones are skipped when popped). */
class DeadlineHeap {
  private readonly items: Pending[] = []
  get size(): number {
    return this.items.length
  }
  push(p: Pending): void {
    const a = this.items
    a.push(p)
    let i = a.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (a[parent]!.deadline <= p.deadline) break
      a[i] = a[parent]!
      i = parent
    }
    a[i] = p
  }
  peek(): Pending | undefined {
    return this.items[0]
  }
  pop(): Pending | undefined {
    const a = this.items
    const top = a[0]
    const last = a.pop()
    if (a.length > 0 && last) {
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        if (l >= a.length) break
        const r = l + 1
        const c = r < a.length && a[r]!.deadline < a[l]!.deadline ? r : l
        if (a[c]!.deadline >= last.deadline) break
        a[i] = a[c]!
        i = c
      }
      a[i] = last
    }
    return top
  }
}

/**
 * Waiting hops by key. A key (a connection, a request id) almost always has one hop: it is stored as it
 * is, and only a second hop on the same key makes a list (in arrival order). No list per waiting hop.
 */
type Waiting = Map<string, Pending | Pending[]>

const multiAdd = (m: Waiting, key: string, p: Pending): void => {
  const found = m.get(key)
  if (found === undefined) m.set(key, p)
  else if (Array.isArray(found)) found.push(p)
  else m.set(key, [found, p])
}

const multiRemove = (m: Waiting, key: string | null, p: Pending): void => {
  if (key === null) return
  const found = m.get(key)
  if (found === undefined) return
  if (!Array.isArray(found)) {
    if (found === p) m.delete(key)
    return
  }
  const i = found.indexOf(p)
  if (i !== -1) found.splice(i, 1)
  if (found.length === 0) m.delete(key)
}

/** Whether a hop can have a partner in another proxy's log: a sidecar→gateway line, or a gateway line. */
export function waitsForPartner(hop: Hop): 'sidecar' | 'gateway' | null {
  if (hop.role === 'egress-gateway') return 'gateway'
  if (hop.role === 'sidecar' && hop.toGateway && hop.direction === 'outbound') return 'sidecar'
  return null
}

const real = (s: string | null | undefined): string | null => (s && s !== '-' ? s : null)

export class ChainJoiner {
  private readonly windowMs: number
  private readonly heap = new DeadlineHeap()
  /** Sidecar→gateway lines waiting, by their upstream local address / request id. */
  private readonly sidecarByConn: Waiting = new Map()
  private readonly sidecarById: Waiting = new Map()
  /** Gateway lines waiting, by their downstream remote address / request id. */
  private readonly gatewayByConn: Waiting = new Map()
  private readonly gatewayById: Waiting = new Map()
  /** By `pod IP>gateway listener`: sidecar lines without an upstream local address, and every gateway line. */
  private readonly sidecarByPod: Waiting = new Map()
  private readonly gatewayByPod: Waiting = new Map()
  /** Per input: the latest end time seen; -Infinity before its first line; removed when it ends. */
  private readonly watermarks = new Map<string, number>()
  private waiting = 0
  private readonly maxHeld: number
  /** Hops past their window, held for a late partner, oldest first (a queue: `heldFrom` is its head). */
  private held: Pending[] = []
  private heldFrom = 0
  private readonly describe: boolean

  constructor(options: JoinerOptions = {windowMs: DEFAULT_WINDOW_MS}) {
    this.windowMs = options.windowMs
    this.maxHeld = options.maxHeld ?? 0
    this.describe = options.describe ?? true
  }

  /** Names the inputs that will deliver lines, so none is left behind before its first line arrives. */
  declareInputs(names: readonly string[]): void {
    for (const n of names) if (!this.watermarks.has(n)) this.watermarks.set(n, -Infinity)
  }

  /** Hops waiting for a partner now. */
  get pending(): number {
    return this.waiting
  }

  /**
   * Adds one hop; returns the groups that are now complete (its own, and any whose window has passed),
   * appended to `out` (a caller may pass one list for every line, emptied after each).
   */
  add(hop: Hop, out: HopGroup[] = []): HopGroup[] {
    const input = hop.entry.source.input
    const t = hop.endMs ?? hop.startMs
    const wm = this.watermarks.get(input)
    if (t !== null && (wm === undefined || t > wm)) this.watermarks.set(input, t)
    else if (wm === undefined) this.watermarks.set(input, -Infinity)

    const side = waitsForPartner(hop)
    if (side === null) out.push(single(hop))
    else {
      const partner = this.findPartner(hop, side)
      if (partner) {
        out.push(pair(this.take(partner.pending), hop, partner.keys, partner.evidence))
      } else this.enqueue(hop, side)
    }
    this.expire(out)
    return out
  }

  /**
   * A live input is quiet and has nothing more to give up to `ms` (log time): it no longer holds the
   * others' lines back to its last line's time.
   */
  advanceInput(name: string, ms: number): HopGroup[] {
    const wm = this.watermarks.get(name)
    if (wm !== undefined && ms > wm) this.watermarks.set(name, ms)
    const out: HopGroup[] = []
    this.expire(out)
    return out
  }

  /** An input ended: it no longer holds back the others. */
  endInput(name: string): HopGroup[] {
    this.watermarks.delete(name)
    const out: HopGroup[] = []
    this.expire(out)
    return out
  }

  /**
   * Live input gone quiet (follow mode): every hop whose window closed before `threshold` (epoch ms of log
   * time, usually the wall clock less a grace) becomes a chain of one, held hops included. Without this a
   * quiet input's watermark would hold the others' lines back until the next line arrives.
   */
  expireBefore(threshold: number): HopGroup[] {
    const out: HopGroup[] = []
    for (let p = this.heap.peek(); p && (p.done || p.deadline < threshold); p = this.heap.peek()) {
      this.heap.pop()
      if (p.done) continue
      out.push(single(this.take(p)))
    }
    while (this.heldFrom < this.held.length && (this.held[this.heldFrom]!.done || this.held[this.heldFrom]!.deadline < threshold)) {
      const p = this.held[this.heldFrom++]!
      if (p.done) continue
      out.push(single(this.take(p)))
    }
    return out
  }

  /** End of all input: every hop still waiting becomes a chain of one. */
  flush(): HopGroup[] {
    const out: HopGroup[] = []
    for (const p of this.held.slice(this.heldFrom)) {
      if (p.done) continue
      out.push(single(this.take(p)))
    }
    this.held = []
    this.heldFrom = 0
    for (let p = this.heap.pop(); p; p = this.heap.pop()) {
      if (p.done) continue
      out.push(single(this.take(p)))
    }
    return out
  }

  private threshold(): number {
    let min = Infinity
    for (const wm of this.watermarks.values()) if (wm < min) min = wm
    return min
  }

  private expire(out: HopGroup[]): void {
    const top = this.heap.peek()
    if (!top) return
    const threshold = this.threshold()
    for (let p = this.heap.peek(); p && (p.done || p.deadline < threshold); p = this.heap.peek()) {
      this.heap.pop()
      if (p.done) continue
      if (this.waiting > this.maxHeld) {
        out.push(single(this.take(p)))
        continue
      }
      // Past its window but held for a late partner: it may be kept for a long stretch of input, so it
      // gets its own copies of the strings it holds (slices would pin their whole input chunks).
      p.hop = ownDeep(p.hop!)
      this.held.push(p)
    }
    while (this.waiting > this.maxHeld && this.heldFrom < this.held.length) {
      const p = this.held[this.heldFrom++]!
      if (p.done) continue
      out.push(single(this.take(p)))
    }
    if (this.heldFrom > 1024 && this.heldFrom * 2 > this.held.length) {
      this.held.splice(0, this.heldFrom)
      this.heldFrom = 0
    }
  }

  private enqueue(hop: Hop, side: 'sidecar' | 'gateway'): void {
    const e = hop.entry
    const conn = real(side === 'sidecar' ? e.upstreamLocalAddress : e.downstreamRemoteAddress)
    const id = real(e.requestId)
    const pod = podKey(hop, side)
    const t = hop.endMs ?? hop.startMs
    const base = t ?? this.watermarks.get(e.source.input) ?? -Infinity
    const p: Pending = {hop, side, deadline: base === -Infinity ? Infinity : base + this.windowMs, done: false, conn, id, pod}
    if (conn) multiAdd(side === 'sidecar' ? this.sidecarByConn : this.gatewayByConn, conn, p)
    if (id) multiAdd(side === 'sidecar' ? this.sidecarById : this.gatewayById, id, p)
    if (pod) multiAdd(side === 'sidecar' ? this.sidecarByPod : this.gatewayByPod, pod, p)
    this.heap.push(p)
    this.waiting++
  }

  /** Takes a waiting hop out of the indexes and returns it. */
  private take(p: Pending): Hop {
    const hop = p.hop!
    this.remove(p)
    return hop
  }

  private remove(p: Pending): void {
    if (p.done) return
    p.done = true
    this.waiting--
    multiRemove(p.side === 'sidecar' ? this.sidecarByConn : this.gatewayByConn, p.conn, p)
    multiRemove(p.side === 'sidecar' ? this.sidecarById : this.gatewayById, p.id, p)
    multiRemove(p.side === 'sidecar' ? this.sidecarByPod : this.gatewayByPod, p.pod, p)
    // The heap drops a done entry only when its deadline comes (lazy deletion), a window of log time
    // later: it keeps nothing but the deadline, not the line and the input chunk its strings are cut from.
    p.hop = null
    p.conn = null
    p.id = null
    p.pod = null
  }

  /** The best waiting partner for `hop`: connection first, then request id, then pod IP and time; null when none fits. */
  private findPartner(hop: Hop, side: 'sidecar' | 'gateway'): {pending: Pending; keys: JoinKey[]; evidence: Evidence[]} | null {
    const e = hop.entry
    const conn = real(side === 'sidecar' ? e.upstreamLocalAddress : e.downstreamRemoteAddress)
    const id = real(e.requestId)
    const byConn = side === 'sidecar' ? this.gatewayByConn : this.sidecarByConn
    const byId = side === 'sidecar' ? this.gatewayById : this.sidecarById
    const best: Best = {pending: null, score: -Infinity}
    if (conn) this.consider(best, byConn.get(conn), hop, side)
    if (id) this.consider(best, byId.get(id), hop, side)
    if (!best.pending) {
      // A sidecar line without its connection's address looks for a gateway line by pod; a gateway line
      // looks for such sidecar lines.
      const pod = side === 'sidecar' ? (conn === null ? podKey(hop, side) : null) : podKey(hop, side)
      if (pod) this.consider(best, (side === 'sidecar' ? this.gatewayByPod : this.sidecarByPod).get(pod), hop, side)
    }
    const found = best.pending
    if (!found) return null
    const facts = side === 'sidecar' ? joinFacts(hop, found.hop!, this.describe) : joinFacts(found.hop!, hop, this.describe)
    return {pending: found, keys: facts.keys, evidence: facts.evidence}
  }

  /** Scores each waiting hop of `found` against `hop`, keeping the best in `best`. */
  private consider(best: Best, found: Pending | Pending[] | undefined, hop: Hop, side: 'sidecar' | 'gateway'): void {
    if (found === undefined) return
    if (!Array.isArray(found)) this.score(best, found, hop, side)
    else for (const p of found) this.score(best, p, hop, side)
  }

  private score(best: Best, p: Pending, hop: Hop, side: 'sidecar' | 'gateway'): void {
    const s = side === 'sidecar' ? scorePair(hop, p.hop!, this.windowMs) : scorePair(p.hop!, hop, this.windowMs)
    if (s > best.score) {
      best.pending = p
      best.score = s
    }
  }
}

/** `pod IP>gateway listener`: the sidecar's pod IP and UPSTREAM_HOST, or the gateway's downstream IP and listener. */
function podKey(hop: Hop, side: 'sidecar' | 'gateway'): string | null {
  const e = hop.entry
  if (side === 'sidecar') {
    if (real(e.upstreamLocalAddress) !== null) return null
    const ip = ipOf(e.downstreamRemoteAddress)
    return ip && real(e.upstreamHost) ? `${ip}>${e.upstreamHost}` : null
  }
  const ip = ipOf(e.downstreamRemoteAddress)
  return ip && real(e.downstreamLocalAddress) ? `${ip}>${e.downstreamLocalAddress}` : null
}

/**
 * How well a sidecar line and a gateway line fit as one request; -Infinity when they cannot be one.
 * Connection beats id beats time, and time decides between requests on one connection.
 */
export function scorePair(s: Hop, g: Hop, windowMs = DEFAULT_WINDOW_MS): number {
  const se = s.entry
  const ge = g.entry
  const sConn = real(se.upstreamLocalAddress)
  const gConn = real(ge.downstreamRemoteAddress)
  const connMatch = sConn !== null && sConn === gConn
  if (sConn !== null && gConn !== null && !connMatch) return -Infinity
  const sId = real(se.requestId)
  const gId = real(ge.requestId)
  const idMatch = sId !== null && sId === gId
  const podMatch = !connMatch && !idMatch && podKey(s, 'sidecar') !== null && podKey(s, 'sidecar') === podKey(g, 'gateway')
  if (!connMatch && !idMatch && !podMatch) return -Infinity
  const idsDiffer = sId !== null && gId !== null && !idMatch
  // The gateway's request (or connection) lies within the sidecar's.
  let distance = 0
  if (s.startMs !== null && g.startMs !== null) {
    const from = s.startMs
    const to = s.endMs ?? s.startMs
    distance = g.startMs < from ? from - g.startMs : g.startMs > to ? g.startMs - to : 0
    // The same id may be a retry or a slow upstream: anywhere within the window. Without it, time must fit closely.
    const tolerance = idMatch ? windowMs : idsDiffer || podMatch ? STRICT_TOLERANCE_MS : Math.min(CONN_TOLERANCE_MS, windowMs)
    if (distance > tolerance) return -Infinity
  } else if (podMatch) return -Infinity
  let score = (connMatch ? 4 : 0) + (idMatch ? 2 : 0) + (podMatch ? 0.5 : 0)
  if (se.upstreamHost && ge.downstreamLocalAddress && se.upstreamHost === ge.downstreamLocalAddress) score += 1
  // Nearer in time is better; start-to-start breaks ties between requests inside one connection span.
  const startGap = s.startMs !== null && g.startMs !== null ? Math.abs(g.startMs - s.startMs) : 0
  return score - distance / 1e6 - startGap / 1e9
}

/** The best partner so far and its score. */
interface Best {
  pending: Pending | null
  score: number
}

/** Which keys join a sidecar line and a gateway line; with `describe`, the evidence that says so. */
function joinFacts(s: Hop, g: Hop, describe = true): {keys: JoinKey[]; evidence: Evidence[]} {
  const keys: JoinKey[] = []
  const evidence: Evidence[] = []
  const se = s.entry
  const ge = g.entry
  const conn = real(se.upstreamLocalAddress)
  if (conn !== null && conn === real(ge.downstreamRemoteAddress)) {
    keys.push('connection')
    if (describe) {
      evidence.push({
        ref: `${s.ref} + ${g.ref}`,
        kind: 'join',
        fact: `one connection: the sidecar's upstream local address is the gateway's downstream remote address${se.upstreamHost && se.upstreamHost === ge.downstreamLocalAddress ? ', and the sidecar\'s upstream host is the gateway\'s listener' : ''}`,
        fields: {upstreamLocalAddress: conn, downstreamRemoteAddress: ge.downstreamRemoteAddress ?? null, upstreamHost: se.upstreamHost ?? null, downstreamLocalAddress: ge.downstreamLocalAddress ?? null},
        strength: 'proven',
      })
    }
  }
  if (keys.length === 0 && podKey(s, 'sidecar') !== null && podKey(s, 'sidecar') === podKey(g, 'gateway')) {
    keys.push('pod-time')
    if (describe) {
      evidence.push({
        ref: `${s.ref} + ${g.ref}`,
        kind: 'join',
        fact: "the sidecar line has no upstream local address (its connection never became ready): joined by the sidecar's pod IP, the gateway listener it dialled and the gateway line starting within the sidecar's — a weaker link",
        fields: {downstreamRemoteAddress: ge.downstreamRemoteAddress ?? null, upstreamHost: se.upstreamHost ?? null, sidecarStart: se.startTime ?? null, gatewayStart: ge.startTime ?? null},
        strength: 'inferred',
      })
    }
  }
  const id = real(se.requestId)
  if (id !== null && id === real(ge.requestId)) {
    keys.push('request-id')
    if (describe) evidence.push({ref: `${s.ref} + ${g.ref}`, kind: 'join', fact: 'the same x-request-id on both lines', fields: {requestId: id}, strength: 'proven'})
  } else if (describe && id !== null && real(ge.requestId) !== null) {
    evidence.push({
      ref: `${s.ref} + ${g.ref}`,
      kind: 'join',
      fact: 'different x-request-ids (the gateway gave the request a new id, as Istio ≥1.26 may): joined by connection and time',
      fields: {sidecarRequestId: id, gatewayRequestId: ge.requestId ?? null},
      strength: 'inferred',
    })
  }
  return {keys, evidence}
}

const single = (hop: Hop): HopGroup => ({hops: [hop], joinedBy: [], joinEvidence: []})

function pair(a: Hop, b: Hop, keys: JoinKey[], evidence: Evidence[]): HopGroup {
  const s = a.role === 'egress-gateway' ? b : a
  const g = a.role === 'egress-gateway' ? a : b
  // The sidecar's cluster names the egress gateway and this line is the other end of its connection:
  // the gateway's role is no longer a guess.
  if (g.roleGuessed && !s.roleGuessed && (keys.includes('connection') || keys.includes('request-id'))) {
    g.roleGuessed = false
    g.roleReason = `${g.roleReason}; confirmed: it is the far end of ${s.ref}, whose upstream is the egress gateway`
  }
  return {hops: [s, g], joinedBy: keys, joinEvidence: evidence}
}
