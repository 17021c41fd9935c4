import {
  getNamedType,
  getNullableType,
  isCompositeType,
  isInterfaceType,
  isListType,
  isObjectType,
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/** Arguments that bound how many items a list (or connection) field returns. */
export const SIZE_ARGUMENTS = ['first', 'last', 'limit', 'size', 'take', 'top'] as const;

export interface AnalysisOptions {
  readonly operationName?: string | null | undefined;
  readonly variables?: Readonly<Record<string, unknown>> | null | undefined;
  /** Items assumed for a list field without a size argument. */
  readonly defaultListSize: number;
}

export interface OperationAnalysis {
  /** Deepest field nesting (a top-level field is depth 1; `__typename` does not count). */
  readonly depth: number;
  /**
   * Estimated work: each object (or interface/union) a field returns costs 1, multiplied by the
   * list sizes around it; scalars are free. A connection's size argument (`last: 20`) multiplies
   * its whole subtree, and its `edges`/`nodes` list does not multiply again.
   */
  readonly cost: number;
  /** Whether the operation selects `__schema` or `__type` anywhere. */
  readonly introspection: boolean;
}

interface Walk {
  readonly schema: GraphQLSchema;
  readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>;
  readonly options: AnalysisOptions;
  introspection: boolean;
}

function sizeOf(value: ValueNode | undefined, walk: Walk): number | undefined {
  if (value === undefined) return undefined;
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.VARIABLE) {
    const v = walk.options.variables?.[value.name.value];
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  }
  return undefined;
}

function fieldSize(
  args: readonly { name: { value: string }; value: ValueNode }[] | undefined,
  def: GraphQLField<unknown, unknown> | undefined,
  walk: Walk,
): number | undefined {
  for (const name of SIZE_ARGUMENTS) {
    const given = sizeOf(args?.find((a) => a.name.value === name)?.value, walk);
    if (given !== undefined) return Math.max(0, Math.floor(given));
    const fallback = def?.args.find((a) => a.name === name)?.defaultValue;
    if (typeof fallback === 'number') return fallback;
  }
  return undefined;
}

/** `{ cost, depth }` of a selection set; `sized` = the field owning it already applied a size. */
function selectionCost(
  set: SelectionSetNode,
  parent: GraphQLCompositeType | undefined,
  walk: Walk,
  sized: boolean,
  activeFragments: ReadonlySet<string>,
): { cost: number; depth: number } {
  let cost = 0;
  let depth = 0;
  for (const selection of set.selections) {
    if (selection.kind === Kind.FIELD) {
      const name = selection.name.value;
      if (name === '__typename') continue;
      if (name === '__schema' || name === '__type') walk.introspection = true;
      const def =
        parent && (isObjectType(parent) || isInterfaceType(parent))
          ? parent.getFields()[name]
          : undefined;
      const named = def ? getNamedType(def.type) : undefined;
      const composite = named !== undefined && isCompositeType(named);
      const list = def !== undefined && isListType(getNullableType(def.type));
      const size = fieldSize(selection.arguments, def, walk);
      // A size argument bounds the field (a list or a connection); a bare list inside a sized
      // connection (edges, nodes) is that same page; any other bare list gets the default size.
      const multiplier = size ?? (list ? (sized ? 1 : walk.options.defaultListSize) : 1);
      let child = { cost: 0, depth: 0 };
      if (selection.selectionSet)
        child = selectionCost(
          selection.selectionSet,
          composite ? named : undefined,
          walk,
          size !== undefined && !list,
          activeFragments,
        );
      // Unknown fields still cost 1 each: validation rejects them, but never for free.
      cost += ((composite || def === undefined ? 1 : 0) + child.cost) * multiplier;
      depth = Math.max(depth, 1 + child.depth);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const typeName = selection.typeCondition?.name.value;
      const type = typeName ? walk.schema.getType(typeName) : parent;
      const child = selectionCost(
        selection.selectionSet,
        type && isCompositeType(type) ? type : undefined,
        walk,
        sized,
        activeFragments,
      );
      cost += child.cost;
      depth = Math.max(depth, child.depth);
    } else {
      const name = selection.name.value;
      const fragment = walk.fragments.get(name);
      // A fragment cycle is a validation error; stop here rather than recurse forever.
      if (!fragment || activeFragments.has(name)) continue;
      const type = walk.schema.getType(fragment.typeCondition.name.value);
      const child = selectionCost(
        fragment.selectionSet,
        type && isCompositeType(type) ? type : undefined,
        walk,
        sized,
        new Set([...activeFragments, name]),
      );
      cost += child.cost;
      depth = Math.max(depth, child.depth);
    }
  }
  return { cost, depth };
}

/**
 * Static depth, cost and introspection analysis of the operation a request will execute, over
 * graphql-js's AST and the supergraph's API schema — before anything reaches a subgraph. When
 * the operation to run is ambiguous (several operations, no name) every operation is measured
 * and the largest figures count.
 */
export function analyseOperation(
  document: DocumentNode,
  schema: GraphQLSchema,
  options: AnalysisOptions,
): OperationAnalysis {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    else if (d.kind === Kind.OPERATION_DEFINITION) operations.push(d);
  }
  const named = options.operationName
    ? operations.filter((o) => o.name?.value === options.operationName)
    : operations;
  const walk: Walk = { schema, fragments, options, introspection: false };
  let cost = 0;
  let depth = 0;
  for (const op of named.length > 0 ? named : operations) {
    const root =
      op.operation === OperationTypeNode.QUERY
        ? schema.getQueryType()
        : op.operation === OperationTypeNode.MUTATION
          ? schema.getMutationType()
          : schema.getSubscriptionType();
    const r = selectionCost(op.selectionSet, root ?? undefined, walk, false, new Set());
    cost = Math.max(cost, r.cost);
    depth = Math.max(depth, r.depth);
  }
  return { cost, depth, introspection: walk.introspection };
}
