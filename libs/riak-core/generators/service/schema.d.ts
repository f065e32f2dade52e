/** The options of `nx g @ringnest/riak-core:service` (schema.json). */
export interface ServiceGeneratorSchema {
  /** kebab-case service name: the registered name, the ring bucket, the stem of files and classes */
  name: string;
  project: string;
  /** relative to the project's source root; default `app` when it exists, else the source root */
  directory?: string;
  /** leave the project's root module alone */
  skipImport?: boolean;
}
