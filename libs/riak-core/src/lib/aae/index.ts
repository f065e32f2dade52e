export * from './tree-shape';
export * from './hash-tree';
export * from './exchange';
export * from './exchange-replies';
export * from './tree-codec';
export * from './exchange-schedule';
