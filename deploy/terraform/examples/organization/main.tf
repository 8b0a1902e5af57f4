# Run in the management (or delegated-administrator) account. Creates the scanner role,
# rolls the audit role out to every member account of the target OUs with a
# service-managed StackSet (deploy/aws/member-role.yaml), and creates the audit role in
# this account too, which StackSets never deploy to.

terraform {
  required_version = ">= 1.3"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # stack_set_instance_region appeared in provider 6.0.
      version = ">= 6.0"
    }
  }
}

provider "aws" {
  region = var.region
}

variable "region" {
  description = "Region for the StackSet administration and the provider."
  type        = string
  default     = "us-east-1"
}

variable "oidc_provider_host" {
  description = "The EKS cluster's OIDC issuer without https:// (IRSA)."
  type        = string
}

variable "target_ou_ids" {
  description = "OUs (or the root id r-xxxx) whose accounts get the audit role."
  type        = list(string)
}

variable "external_id" {
  description = "Shared sts:ExternalId (ROOTWATCH_EXTERNAL_ID); empty for none."
  type        = string
  default     = ""
  sensitive   = true
}

module "scanner_role" {
  source = "../../modules/scanner-role"

  trust_mode                = "eks-irsa"
  oidc_provider_host        = var.oidc_provider_host
  service_account_namespace = "rootwatch"
  service_account_name      = "rootwatch-scanner"
}

resource "aws_cloudformation_stack_set" "member_role" {
  name             = "rootwatch-member-role"
  permission_model = "SERVICE_MANAGED"
  capabilities     = ["CAPABILITY_NAMED_IAM"]
  template_body    = file("${path.module}/../../../aws/member-role.yaml")

  parameters = {
    RoleName            = "RootwatchAudit"
    ScannerPrincipalArn = module.scanner_role.role_arn
    ExternalId          = var.external_id
  }

  auto_deployment {
    enabled                          = true
    retain_stacks_on_account_removal = false
  }

  operation_preferences {
    failure_tolerance_percentage = 10
    max_concurrent_percentage    = 50
    region_concurrency_type      = "PARALLEL"
  }

  lifecycle {
    ignore_changes = [administration_role_arn]
  }
}

resource "aws_cloudformation_stack_set_instance" "member_role" {
  stack_set_name = aws_cloudformation_stack_set.member_role.name
  # IAM is global: one region is enough.
  stack_set_instance_region = var.region

  deployment_targets {
    organizational_unit_ids = var.target_ou_ids
  }
}

module "management_account_audit_role" {
  source = "../../modules/member-role"

  role_name             = "RootwatchAudit"
  scanner_principal_arn = module.scanner_role.role_arn
  external_id           = var.external_id
}

output "scanner_role_arn" {
  description = "Annotate the rootwatch-scanner service account with this ARN (eks.amazonaws.com/role-arn)."
  value       = module.scanner_role.role_arn
}
