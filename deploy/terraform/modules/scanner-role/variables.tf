variable "role_name" {
  description = "Name of the scanner role. Its ARN is the member role's scanner_principal_arn."
  type        = string
  default     = "RootwatchScanner"

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.role_name))
    error_message = "role_name must be a valid IAM role name."
  }
}

variable "audit_role_name" {
  description = "Name of the audit role in member accounts (member-role module role_name, ROOTWATCH_MEMBER_ROLE)."
  type        = string
  default     = "RootwatchAudit"

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.audit_role_name))
    error_message = "audit_role_name must be a valid IAM role name."
  }
}

variable "trust_mode" {
  description = "How the Rootwatch worker obtains this role: eks-irsa, eks-pod-identity, ecs-task or ec2-instance (also creates an instance profile, for a docker compose host)."
  type        = string
  default     = "eks-irsa"

  validation {
    condition     = contains(["eks-irsa", "eks-pod-identity", "ecs-task", "ec2-instance"], var.trust_mode)
    error_message = "trust_mode must be eks-irsa, eks-pod-identity, ecs-task or ec2-instance."
  }
}

variable "oidc_provider_host" {
  description = "eks-irsa only. The cluster's OIDC issuer without https://, e.g. oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE. An IAM OIDC provider for it must exist in this account."
  type        = string
  default     = ""
}

variable "service_account_namespace" {
  description = "eks-irsa and eks-pod-identity. Namespace of the worker's service account."
  type        = string
  default     = "rootwatch"
}

variable "service_account_name" {
  description = "eks-irsa and eks-pod-identity. The worker's service account (deploy/k8s/base/serviceaccount.yaml)."
  type        = string
  default     = "rootwatch-scanner"
}

variable "eks_cluster_name" {
  description = "eks-pod-identity only. Name of the cluster whose pod identity association may use this role."
  type        = string
  default     = ""
}

variable "tags" {
  description = "Extra tags for the role."
  type        = map(string)
  default     = {}
}

variable "allow_root_credential_deletion" {
  description = "Opt-in for remediation (rootwatch remediate apply): also allow sts:AssumeRoot with the IAMDeleteRootUserCredentials task policy, which deletes member root passwords, access keys, signing certificates and MFA devices. Off by default; audits need only the audit task policy."
  type        = bool
  default     = false
}
