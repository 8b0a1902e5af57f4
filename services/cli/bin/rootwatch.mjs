#!/usr/bin/env node
// In a workspace checkout the CLI runs from TypeScript source in this same process (tsx loader),
// so signals reach it directly; the container image runs the esbuild bundle instead.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
