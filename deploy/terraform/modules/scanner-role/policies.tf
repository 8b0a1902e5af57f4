locals {
  # The reads organization discovery makes from the management (or delegated-admin) account.
  scanner_read_actions = [
    "organizations:DescribeOrganization",
    "organizations:ListAccounts",
    "organizations:ListRoots",
    "organizations:ListOrganizationalUnitsForParent",
    "organizations:ListAccountsForParent",
    "organizations:ListTagsForResource",
    "organizations:ListPolicies",
    "organizations:ListTargetsForPolicy",
    "organizations:DescribePolicy",
    "iam:ListOrganizationsFeatures",
    "account:GetAlternateContact",
  ]

  scanner_assume_actions = ["sts:AssumeRole"]

  audit_role_arn_pattern = "arn:${local.partition}:iam::*:role/${var.audit_role_name}"

  # Centralized root access (access mode root-session / auto): sts:AssumeRoot into any member's root,
  # limited by sts:TaskPolicyArn to a task policy.
  root_session_actions = ["sts:AssumeRoot"]
  member_root_arn      = "arn:${local.partition}:iam::*:root"
  audit_task_policy    = "arn:${local.partition}:iam::aws:policy/root-task/IAMAuditRootUserCredentials"
  delete_task_policy   = "arn:${local.partition}:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"

  root_audit_statement = {
    Sid       = "AssumeRootForAudit"
    Effect    = "Allow"
    Action    = local.root_session_actions
    Resource  = local.member_root_arn
    Condition = { StringEquals = { "sts:TaskPolicyArn" = local.audit_task_policy } }
  }

  # Opt-in (allow_root_credential_deletion, a separate inline policy): remediation deletes member
  # root credentials.
  root_deletion_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AssumeRootForCredentialDeletion"
        Effect    = "Allow"
        Action    = local.root_session_actions
        Resource  = local.member_root_arn
        Condition = { StringEquals = { "sts:TaskPolicyArn" = local.delete_task_policy } }
      }
    ]
  }

  trust_statements = {
    "eks-irsa" = {
      Sid       = "TrustEksServiceAccount"
      Effect    = "Allow"
      Principal = { Federated = "arn:${local.partition}:iam::${local.account_id}:oidc-provider/${var.oidc_provider_host}" }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "${var.oidc_provider_host}:sub" = "system:serviceaccount:${var.service_account_namespace}:${var.service_account_name}"
          "${var.oidc_provider_host}:aud" = "sts.amazonaws.com"
        }
      }
    }
    "eks-pod-identity" = {
      Sid       = "TrustEksPodIdentity"
      Effect    = "Allow"
      Principal = { Service = "pods.eks.amazonaws.com" }
      Action    = ["sts:AssumeRole", "sts:TagSession"]
      # EKS Pod Identity sets these session tags; without them any association in the
      # account could use this role.
      Condition = {
        StringEquals = {
          "aws:RequestTag/eks-cluster-name"           = var.eks_cluster_name
          "aws:RequestTag/kubernetes-namespace"       = var.service_account_namespace
          "aws:RequestTag/kubernetes-service-account" = var.service_account_name
        }
      }
    }
    "ecs-task" = {
      Sid       = "TrustEcsTasks"
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
      # Confused-deputy guard: only tasks of this account.
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:ecs:*:${local.account_id}:*" }
      }
    }
    "ec2-instance" = {
      Sid       = "TrustEc2Instances"
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }
  }

  trust_policy = {
    Version   = "2012-10-17"
    Statement = [local.trust_statements[var.trust_mode]]
  }

  permissions_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "DiscoverOrganization"
        Effect   = "Allow"
        Action   = local.scanner_read_actions
        Resource = "*"
      },
      {
        Sid      = "AssumeMemberAuditRole"
        Effect   = "Allow"
        Action   = local.scanner_assume_actions
        Resource = local.audit_role_arn_pattern
      },
      local.root_audit_statement,
    ]
  }
}
