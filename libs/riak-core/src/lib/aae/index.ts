export * from './tree-shape';
export * from './hash-tree';
