import { ConnectionEntity } from '../connections/connection.entity.js';

export const ENTITIES = [ConnectionEntity];
