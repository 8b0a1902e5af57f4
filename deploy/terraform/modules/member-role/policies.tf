locals {
  # Exactly the IAM reads the member collectors make (CONTROLS.md, Sources).
  member_actions = [
    "iam:GetAccountSummary",
    "iam:GenerateCredentialReport",
    "iam:GetCredentialReport",
    "iam:ListVirtualMFADevices",
    "iam:GetAccountPasswordPolicy",
  ]

  # The account's own SECURITY contact, read here (no AccountId) on this account's
  # GetAlternateContact quota (10/s per account) instead of the management account's.
  member_account_actions = ["account:GetAlternateContact"]

  # A conditional between {} and an object with a Condition attribute does not type-check;
  # a filtered for-expression gives an object that is empty or not.
  external_id_condition = {
    for key, value in { Condition = { StringEquals = { "sts:ExternalId" = var.external_id } } } :
    key => value if var.external_id != ""
  }

  trust_policy = {
    Version = "2012-10-17"
    Statement = [
      merge({
        Sid       = "TrustRootwatchScanner"
        Effect    = "Allow"
        Principal = { AWS = var.scanner_principal_arn }
        Action    = "sts:AssumeRole"
      }, local.external_id_condition)
    ]
  }

  permissions_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "ReadRootPosture"
        Effect = "Allow"
        Action = local.member_actions
        # None of these actions supports resource-level permissions.
        Resource = "*"
      },
      {
        Sid      = "ReadOwnSecurityContact"
        Effect   = "Allow"
        Action   = local.member_account_actions
        Resource = "*"
      }
    ]
  }
}
