export {
  PSEUDO_PARAMETERS,
  RESOURCE_TYPES,
  type RenderContext,
  type RenderedTemplate,
  renderTemplate,
  subVariables,
  validateTemplate,
} from './cfn-template';
export {
  type CfnParameter,
  type CfnResource,
  type CfnTemplate,
  CLOUDFORMATION_TAGS,
  parseCloudFormationYaml,
} from './cfn-yaml';
export {
  allowedActions,
  type PolicyKind,
  policyObject,
  statementsAllowing,
  validatePolicyDocument,
} from './iam-policy';
export {
  type KubeContainer,
  type KubeObject,
  type Kustomization,
  type PodSpecOf,
  parseManifests,
  podSpecs,
  readKustomizeBase,
} from './kube-manifests';
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

/** `hcl('{{var.x}}')` is the text `${var.x}`: Terraform and CloudFormation interpolations written without template-string lint noise. */
export function hcl(text: string): string {
  return text.replace(/\{\{/g, '$' + '{').replace(/\}\}/g, '}');
}
