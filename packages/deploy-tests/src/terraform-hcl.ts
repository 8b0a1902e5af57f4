import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from '@cdktf/hcl2json';

const run = promisify(execFile);

/** hcl2json's shape of a module: blocks keyed by type, then by label; `locals` blocks as a list. */
export type HclModule = {
  locals?: Record<string, unknown>[];
  variable?: Record<string, { default?: unknown; type?: string; sensitive?: boolean }[]>;
  resource?: Record<string, Record<string, Record<string, unknown>[]>>;
  data?: Record<string, Record<string, unknown[]>>;
  output?: Record<string, { value: unknown }[]>;
  module?: Record<string, Record<string, unknown>[]>;
  terraform?: unknown[];
};

/** Parses every `.tf` file of a module directory (offline: hcl2json ships as WebAssembly). */
export async function readTerraformModule(dir: string): Promise<{ files: string[]; module: HclModule }> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.tf')).sort();
  const merged: Record<string, unknown> = {};
  for (const file of files) {
    const parsed = (await parse(file, await readFile(join(dir, file), 'utf8'))) as Record<string, unknown>;
    for (const [block, value] of Object.entries(parsed)) {
      const existing = merged[block];
      if (Array.isArray(value)) merged[block] = [...((existing as unknown[]) ?? []), ...value];
      else
        merged[block] = mergeDeep(
          existing as Record<string, unknown> | undefined,
          value as Record<string, unknown>,
        );
    }
  }
  return { files, module: merged as HclModule };
}

function mergeDeep(
  a: Record<string, unknown> | undefined,
  b: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(a ?? {}) };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    if (
      prev &&
      v &&
      typeof prev === 'object' &&
      typeof v === 'object' &&
      !Array.isArray(prev) &&
      !Array.isArray(v)
    )
      out[k] = mergeDeep(prev as Record<string, unknown>, v as Record<string, unknown>);
    else if (prev !== undefined) throw new Error(`duplicate definition of ${k}`);
    else out[k] = v;
  }
  return out;
}

/** All locals of a module, merged across `locals` blocks. */
export function moduleLocals(module: HclModule): Record<string, unknown> {
  return Object.assign({}, ...(module.locals ?? []));
}

/** The single resource `type.name` of a module. */
export function moduleResource(module: HclModule, type: string, name: string): Record<string, unknown> {
  const blocks = module.resource?.[type]?.[name];
  if (blocks?.length !== 1) throw new Error(`resource ${type}.${name} not found`);
  return blocks[0]!;
}

/**
 * Resolves a literal local value whose strings are only `${local.x}` references to other
 * literal locals (the shape the policy documents keep, so that they can be read without
 * Terraform). Any other expression is returned as its source text.
 */
export function resolveLocal(locals: Record<string, unknown>, name: string, seen: string[] = []): unknown {
  if (seen.includes(name)) throw new Error(`local cycle ${[...seen, name].join(' -> ')}`);
  if (!(name in locals)) throw new Error(`local.${name} is not defined`);
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') {
      const whole = /^\$\{local\.([A-Za-z_][\w-]*)\}$/.exec(node);
      return whole ? resolveLocal(locals, whole[1]!, [...seen, name]) : node;
    }
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === 'object')
      return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    return node;
  };
  return walk(locals[name]);
}

/** Path of the terraform binary when one is installed; the deeper checks run only then. */
export async function findTerraform(): Promise<string | undefined> {
  try {
    const { stdout } = await run('sh', ['-c', 'command -v terraform']);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

const TERRAFORM_ENV = {
  ...process.env,
  TF_CLI_CONFIG_FILE: '/dev/null',
  CHECKPOINT_DISABLE: '1',
  TF_IN_AUTOMATION: '1',
};

/**
 * Evaluates `jsonencode(<expression>)` with the real Terraform over a module's variables and
 * locals files, with provider-backed locals replaced by `overrides` (no provider, no network).
 */
export async function terraformEvaluate(options: {
  terraform: string;
  moduleDir: string;
  files: string[];
  overrides: Record<string, string>;
  variables: Record<string, string>;
  expression: string;
}): Promise<unknown> {
  const dir = await mkdtemp(join(tmpdir(), 'rootwatch-tf-'));
  try {
    for (const file of options.files) await copyFile(join(options.moduleDir, file), join(dir, file));
    const overrides = Object.entries(options.overrides)
      .map(([k, v]) => `  ${k} = ${JSON.stringify(v)}`)
      .join('\n');
    await writeFile(join(dir, 'zz_test_overrides.tf'), `locals {\n${overrides}\n}\n`);
    const args = ['console'];
    for (const [k, v] of Object.entries(options.variables)) args.push('-var', `${k}=${v}`);
    const child = execFile(options.terraform, args, { cwd: dir, env: TERRAFORM_ENV });
    // Values derived from a sensitive variable print as "(sensitive value)" unless unwrapped.
    const encoded = `jsonencode(${options.expression})`;
    child.stdin?.end(`try(nonsensitive(${encoded}), ${encoded})\n`);
    const output = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d) => {
        stdout += d;
      });
      child.stderr?.on('data', (d) => {
        stderr += d;
      });
      child.on('close', (code) =>
        code === 0 ? resolve(stdout) : reject(new Error(`terraform console: ${stderr}`)),
      );
    });
    return JSON.parse(JSON.parse(output.trim()) as string);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `terraform fmt -check` over a directory tree: the files Terraform would rewrite (empty when formatted). */
export async function terraformFmtCheck(terraform: string, dir: string): Promise<string[]> {
  try {
    await run(terraform, ['fmt', '-check', '-recursive', '-list=true', dir], { env: TERRAFORM_ENV });
    return [];
  } catch (error) {
    const stdout = (error as { stdout?: string }).stdout ?? '';
    const files = stdout.split('\n').filter(Boolean);
    if (files.length === 0) throw error;
    return files;
  }
}
