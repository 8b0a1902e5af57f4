export { CLOUDFORMATION_TAGS, type CfnParameter, type CfnResource, type CfnTemplate, parseCloudFormationYaml } from './cfn-yaml';
export {
  PSEUDO_PARAMETERS,
  RESOURCE_TYPES,
  type RenderContext,
  type RenderedTemplate,
  renderTemplate,
  subVariables,
  validateTemplate,
} from './cfn-template';
export { allowedActions, type PolicyKind, policyObject, statementsAllowing, validatePolicyDocument } from './iam-policy';
export { type KubeObject, type Kustomization, type PodSpecOf, parseManifests, podSpecs, readKustomizeBase } from './kube-manifests';
export { REPO_ROOT, repoPath } from './repo-paths';
export {
  findTerraform,
  type HclModule,
  moduleLocals,
  moduleResource,
  readTerraformModule,
  resolveLocal,
  terraformEvaluate,
  terraformFmtCheck,
} from './terraform-hcl';
