// Which fields a query selects below the current field, through fragments: lets resolvers
// read only the columns that are needed (and skip JSON payloads nobody asked for).
import type { FieldNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';

function collect(set: SelectionSetNode | undefined, info: GraphQLResolveInfo, into: FieldNode[]): void {
  if (!set) return;
  for (const selection of set.selections) {
    if (selection.kind === 'Field') into.push(selection);
    else if (selection.kind === 'InlineFragment') collect(selection.selectionSet, info, into);
    else collect(info.fragments[selection.name.value]?.selectionSet, info, into);
  }
}

/** Names of the fields selected at `path` below the resolved field (e.g. ['edges', 'node']). */
export function selectedFields(info: GraphQLResolveInfo, ...paths: string[][]): Set<string> {
  const names = new Set<string>();
  for (const path of paths) {
    let level: FieldNode[] = [];
    for (const node of info.fieldNodes) collect(node.selectionSet, info, level);
    for (const step of path) {
      const next: FieldNode[] = [];
      for (const field of level) if (field.name.value === step) collect(field.selectionSet, info, next);
      level = next;
    }
    for (const field of level) names.add(field.name.value);
  }
  return names;
}
