#!/usr/bin/env node
// The egress-audit executable. Also installed as `kubectl-egress_audit`, so `kubectl egress-audit ...` works.
import {execute} from '@oclif/core'

await execute({dir: import.meta.url})
