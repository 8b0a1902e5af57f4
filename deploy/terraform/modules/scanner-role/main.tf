data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
}

resource "aws_iam_role" "scanner" {
  name                 = var.role_name
  description          = "Rootwatch scanner - reads the organization and assumes the member audit role."
  max_session_duration = 3600
  assume_role_policy   = jsonencode(local.trust_policy)
  tags                 = merge(var.tags, { "rootwatch:component" = "scanner-role" })

  lifecycle {
    precondition {
      condition     = var.trust_mode != "eks-irsa" || var.oidc_provider_host != ""
      error_message = "trust_mode eks-irsa needs oidc_provider_host."
    }
    precondition {
      condition     = var.trust_mode != "eks-pod-identity" || var.eks_cluster_name != ""
      error_message = "trust_mode eks-pod-identity needs eks_cluster_name."
    }
  }
}

resource "aws_iam_instance_profile" "scanner" {
  count = var.trust_mode == "ec2-instance" ? 1 : 0

  name = var.role_name
  role = aws_iam_role.scanner.name
}

resource "aws_iam_role_policy" "organization_read" {
  name   = "RootwatchOrganizationRead"
  role   = aws_iam_role.scanner.id
  policy = jsonencode(local.permissions_policy)
}

# Opt-in: sts:AssumeRoot with IAMDeleteRootUserCredentials, for `rootwatch remediate apply`.
resource "aws_iam_role_policy" "root_credential_deletion" {
  count = var.allow_root_credential_deletion ? 1 : 0

  name   = "RootwatchRootCredentialDeletion"
  role   = aws_iam_role.scanner.id
  policy = jsonencode(local.root_deletion_policy)
}
