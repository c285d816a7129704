import { InitialSchema1764777600000 } from './1764777600000-initial-schema.js';

/** Every migration, oldest first. A new migration file is added here too. */
export const MIGRATIONS = [InitialSchema1764777600000];
