import { type Control, fail, mappings, pass, unknown } from './types';

export const accountSecurityContact: Control = {
  id: 'account.security-contact',
  title: 'A security alternate contact is registered',
  severity: 'medium',
  rationale:
    'AWS sends abuse and compromise notifications to the SECURITY alternate contact; without one they reach only the account e-mail, which is often an unattended alias.',
  remediation:
    'Register a SECURITY alternate contact (a monitored team mailbox and phone): from the management account, aws account put-alternate-contact --account-id <id> --alternate-contact-type SECURITY --name … --email-address … --phone-number … --title ….',
  mappings: mappings({ cisV3: ['1.2'], fsbp: ['Account.1'] }),
  evaluate({ account }) {
    const contact = account.securityContact;
    switch (contact.status) {
      case 'present':
        return pass('a SECURITY alternate contact is registered', { email: contact.email ?? null });
      case 'absent':
        return fail('no SECURITY alternate contact is registered', {});
      case 'unknown':
        return unknown(`security contact unknown: ${contact.reason}`, {});
    }
  },
};
