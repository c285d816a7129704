/**
 * class-validator rules shared by the inputs. Every message names the field and says how to fix it;
 * none echoes the value (it may be a secret).
 */
import { Matches, MaxLength, MinLength, ValidateBy, type ValidationOptions } from 'class-validator';
import { parseSmtpUrl } from '../connections/smtp-url.js';

export function NoControlCharacters(field: string): PropertyDecorator {
  return Matches(/^[^\u0000-\u001f\u007f-\u009f]*$/u, {
    message: `${field} must not contain control characters (line breaks, tabs, NUL)`,
  });
}

export function NoLineBreaks(field: string): PropertyDecorator {
  return Matches(/^[^\r\n\u0000]*$/u, {
    message: `${field} must not contain line breaks (CR, LF) or NUL characters`,
  });
}

/** Descriptions may span lines and hold tabs, but no NUL or other control characters. */
export function MultilineText(field: string): PropertyDecorator {
  return Matches(/^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]*$/u, {
    message: `${field} must not contain control characters other than line breaks and tabs`,
  });
}

export function TextLength(field: string, min: number, max: number): PropertyDecorator {
  return (target, key) => {
    if (min > 0) {
      MinLength(min, {
        message: min === 1 ? `${field} must not be empty` : `${field} needs at least ${min} characters`,
      })(target, key);
    }
    MaxLength(max, { message: `${field} must be at most ${max} characters` })(target, key);
  };
}

/** A secret: not empty, bounded, no NUL or line breaks (SMTP AUTH cannot carry them). Spaces are kept. */
export function SecretText(field: string): PropertyDecorator {
  return (target, key) => {
    TextLength(field, 1, 1024)(target, key);
    NoLineBreaks(field)(target, key);
  };
}

export function IsSmtpUrl(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSmtpUrl',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseSmtpUrl(value).ok,
        defaultMessage: (args) => {
          const result = typeof args?.value === 'string' ? parseSmtpUrl(args.value) : null;
          return result && !result.ok ? result.message : 'url: enter hostname:port, e.g. smtp.example.com:587';
        },
      },
    },
    options,
  );
}

export function IsHttpsUrl(field: string): PropertyDecorator {
  return ValidateBy({
    name: 'isHttpsUrl',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string') return false;
        try {
          return new URL(value).protocol === 'https:';
        } catch {
          return false;
        }
      },
      defaultMessage: () =>
        `${field} must be an https URL, e.g. https://login.microsoftonline.com/<tenant-id>/oauth2/v2.0/token`,
    },
  });
}
