/** The GraphQL operations these tests send: the shared named operations of test/api, under short names. */
export {
  CONNECTION as GET,
  CONNECTION_FIELDS,
  CREATE_CONNECTION as CREATE,
  EXPIRING_SECRETS as EXPIRING,
  ROTATE_SECRET as ROTATE,
  SEND_TEST_EMAIL as SEND,
  TEST_RESULT_FIELDS as RESULT_FIELDS,
  UPDATE_CONNECTION as UPDATE,
} from '../api/operations.js';
