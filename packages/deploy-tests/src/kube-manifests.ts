import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  // biome-ignore lint/suspicious/noExplicitAny: manifests are checked field by field by the tests
  [key: string]: any;
};

// biome-ignore lint/suspicious/noExplicitAny: containers are checked field by field by the tests
export type KubeContainer = Record<string, any>;

export type Kustomization = {
  namespace?: string;
  resources?: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
};

/** Parses a multi-document YAML manifest file; empty documents are skipped. */
export function parseManifests(text: string): KubeObject[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw doc.errors[0];
      return doc.toJSON() as KubeObject | null;
    })
    .filter((o): o is KubeObject => o !== null);
}

/** Reads a kustomize base: its kustomization and every object of the files it lists, in order. */
export async function readKustomizeBase(
  dir: string,
): Promise<{ kustomization: Kustomization; objects: (KubeObject & { file: string })[] }> {
  const kustomization = parseManifests(
    await readFile(join(dir, 'kustomization.yaml'), 'utf8'),
  )[0] as unknown as Kustomization;
  const objects: (KubeObject & { file: string })[] = [];
  for (const file of kustomization.resources ?? []) {
    for (const object of parseManifests(await readFile(join(dir, file), 'utf8')))
      objects.push({ ...object, file });
  }
  return { kustomization, objects };
}

export type PodSpecOf = { kind: string; name: string; spec: KubeObject['spec'] };

/** The pod template spec of every workload (Deployment, Job, ...). */
export function podSpecs(objects: KubeObject[]): PodSpecOf[] {
  return objects
    .filter((o) => o.spec?.template?.spec)
    .map((o) => ({ kind: o.kind, name: o.metadata.name, spec: o.spec.template.spec }));
}
