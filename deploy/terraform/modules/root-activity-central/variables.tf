variable "organization_id" {
  description = "The AWS Organization whose member accounts may put events on the bus."
  type        = string

  validation {
    condition     = can(regex("^o-[a-z0-9]{10,32}$", var.organization_id))
    error_message = "organization_id must be an organization id (o-...)."
  }
}

variable "bus_name" {
  description = "Name of the central event bus."
  type        = string
  default     = "rootwatch-root-activity"
}

variable "queue_name" {
  description = "Name of the queue (its dead-letter queue is <queue_name>-dlq)."
  type        = string
  default     = "rootwatch-root-activity"
}

variable "scanner_role_name" {
  description = "The scanner role (scanner-role module) to grant the four consumer actions on this queue; empty: none."
  type        = string
  default     = ""
}

variable "tags" {
  description = "Extra tags."
  type        = map(string)
  default     = {}
}
