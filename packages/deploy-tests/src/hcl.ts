/** `hcl('{{var.x}}')` is the text `${var.x}`: Terraform and CloudFormation interpolations written without template-string lint noise. */
export function hcl(text: string): string {
  return text.replace(/\{\{/g, '$' + '{').replace(/\}\}/g, '}');
}
