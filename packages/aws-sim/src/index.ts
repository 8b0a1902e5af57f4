export { runSimCli } from './cli';
export { generateOrg } from './generate';
export { OrgDefinitionError } from './org-definition.errors';
export type { OrgDefinition, SimAccount } from './org-definition.types';
export { type RunningSimulator, startSimulator } from './simulator';
