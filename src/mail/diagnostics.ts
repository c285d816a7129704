import type { SmtpAuthKind } from './smtp-auth.js';
import { TestStage } from './test-outcome.js';

export interface DiagnosticInput {
  stage: TestStage;
  smtpCode: number | null;
  enhancedCode: string | null;
  /** The server's reply, already masked. */
  response: string | null;
  authKind: SmtpAuthKind;
  errorCode: string | null;
}

export const XOAUTH2_NOT_OFFERED = 'XOAUTH2_NOT_OFFERED';
export const AUTH_NOT_OFFERED = 'AUTH_NOT_OFFERED';
export const TLS_WRONG_VERSION = 'TLS_WRONG_VERSION';
export const TLS_UNTRUSTED_CERTIFICATE = 'TLS_UNTRUSTED_CERTIFICATE';
export const TLS_HOSTNAME_MISMATCH = 'TLS_HOSTNAME_MISMATCH';
export const STARTTLS_NOT_OFFERED = 'STARTTLS_NOT_OFFERED';
export const GREETING_TIMEOUT = 'GREETING_TIMEOUT';

/** What the admin should do next, for a failed test; null when there is nothing better than the reply. */
export function diagnose(input: DiagnosticInput): string | null {
  return exchangeHint(input) ?? codeHint(input) ?? stageHint(input);
}

// Exchange Online replies, matched on the enhanced status code: the wording varies, the code does not.
function exchangeHint({ smtpCode, enhancedCode, authKind }: DiagnosticInput): string | null {
  if (smtpCode === 535 && enhancedCode === '5.7.3' && authKind === 'oauth2') {
    return (
      "The server refused the OAuth2 token (535 5.7.3). Check, in this order: the app's service principal is registered in " +
      'Exchange Online (New-ServicePrincipal -AppId <clientId> -ObjectId <enterprise app object id>); it has rights on the ' +
      'mailbox (Add-MailboxPermission -Identity <mailbox> -User <service principal id> -AccessRights FullAccess); the token ' +
      'is for the right resource (scope must be https://outlook.office365.com/.default); and the username (user=) is the ' +
      'mailbox address itself.'
    );
  }
  if (enhancedCode === '5.7.139') {
    return (
      'SMTP AUTH is disabled for the tenant or for this mailbox (535 5.7.139). Enable it for the mailbox with ' +
      'Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false (and check the tenant-wide ' +
      'Set-TransportConfig -SmtpClientAuthenticationDisabled setting). Fetching a new token will not help.'
    );
  }
  if (enhancedCode === '5.7.30') {
    return authKind === 'basic'
      ? 'The server does not accept Basic authentication (550 5.7.30). Switch this connection to OAuth2 client credentials.'
      : 'The server rejected Basic authentication (550 5.7.30); this connection should use OAuth2 (XOAUTH2).';
  }
  if (enhancedCode === '5.2.252' || enhancedCode === '5.7.60') {
    return (
      `The mailbox may not send as this sender (${enhancedCode}, SendAs denied). Set fromAddress to the mailbox itself, ` +
      'or to an address the mailbox has Send As rights for (Add-RecipientPermission -Identity <sender> -Trustee <mailbox> -AccessRights SendAs).'
    );
  }
  return null;
}

function codeHint({ errorCode, authKind }: DiagnosticInput): string | null {
  switch (errorCode) {
    case XOAUTH2_NOT_OFFERED:
      return 'The server does not advertise AUTH XOAUTH2 after EHLO, so the OAuth2 token was not sent. Use a server that supports XOAUTH2 (for Microsoft 365: smtp.office365.com:587 with STARTTLS), or switch this connection to Basic auth.';
    case AUTH_NOT_OFFERED:
      return (
        'The server does not advertise AUTH after EHLO, so the credentials could not be checked' +
        (authKind === 'basic' ? '' : ' (the token was not sent)') +
        '. Use the submission port (587 with STARTTLS, or 465 with IMPLICIT_TLS); over an unencrypted session many servers offer no AUTH.'
      );
    case TLS_WRONG_VERSION:
      return 'The server did not answer with TLS: this port expects plain text first. Use STARTTLS on port 587, or IMPLICIT_TLS on port 465.';
    case TLS_UNTRUSTED_CERTIFICATE:
      return "The server's certificate is not signed by a trusted authority. If the server uses a private CA, set caCertificate to that CA's PEM; otherwise fix the server's certificate chain. Certificate checks are never switched off.";
    case TLS_HOSTNAME_MISMATCH:
      return "The server's certificate does not name this host. Use the host name the certificate was issued for, or reissue the certificate with this name.";
    case STARTTLS_NOT_OFFERED:
      return "The server does not offer STARTTLS, which this connection requires. Use IMPLICIT_TLS if the port is 465, or check the server's TLS setup; use OPPORTUNISTIC only if plain text is acceptable.";
    case GREETING_TIMEOUT:
      return 'Connected, but the server sent no greeting. If this port expects TLS from the first byte (usually 465), set tls to IMPLICIT_TLS; otherwise check the server is an SMTP server.';
    case 'ECONNREFUSED':
      return 'Nothing accepts connections on that host and port. Check the port (587 for STARTTLS, 465 for IMPLICIT_TLS) and that the server runs.';
    case 'ETIMEDOUT':
      return 'The server did not answer in time. Check the host and port, and that a firewall allows outgoing connections to it.';
    case 'ENOTFOUND':
      return 'The host name does not resolve. Check the spelling of the host.';
    case 'EAI_AGAIN':
      return 'DNS did not answer in time. Retry, or check the DNS resolver of the server running Postroom.';
    default:
      return null;
  }
}

function stageHint({ stage, smtpCode, authKind }: DiagnosticInput): string | null {
  switch (stage) {
    case TestStage.AUTH:
      if (smtpCode === 535 && authKind === 'basic') {
        return 'The server rejected the username or password (535). Check both. For Microsoft 365, Basic authentication is being turned off: use OAuth2 client credentials instead.';
      }
      if (smtpCode === 535)
        return 'The server rejected the OAuth2 token (535). Check the username is the mailbox and the token scope.';
      return null;
    case TestStage.SENDER:
      return 'The server refused the sender. Check fromAddress is an address this account may send as.';
    case TestStage.RECIPIENT:
      return 'The server refused the recipient. Check the address, and that the account may relay to it.';
    case TestStage.MESSAGE:
      return 'The server refused the message. Its reply says why.';
    case TestStage.DNS:
      return 'The host name could not be resolved. Check the host.';
    case TestStage.TLS:
      return 'The TLS handshake failed. Check tls matches the port (STARTTLS on 587, IMPLICIT_TLS on 465) and the server certificate.';
    case TestStage.CONNECT:
      return 'Could not talk to the server. Check host, port and firewall.';
    case TestStage.CONFIG:
    case TestStage.TOKEN:
    case TestStage.DONE:
      return null;
    default: {
      const unknown: never = stage;
      return String(unknown);
    }
  }
}
