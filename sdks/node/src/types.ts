/** Names for the API's wire types, all taken from the generated `openapi.ts` so that a change in
 * `docs/openapi.json` changes them (and fails the build where the SDK no longer fits). */

import type { components, operations } from './openapi.js';

type Schemas = components['schemas'];
/** The query parameters of an operation. */
type Query<Op extends keyof operations> = NonNullable<operations[Op]['parameters']['query']>;

export type Agent = Schemas['AgentResponse'];
export type AgentList = Schemas['AgentList'];
export type CreateAgentRequest = Schemas['CreateAgentRequest'];
export type UpdateAgentRequest = Schemas['UpdateAgentRequest'];
export type ListAgentsQuery = Query<'list_agents'>;
export type Credential = Schemas['CredentialResponse'];
export type IssuedCredential = Schemas['IssuedCredential'];
export type CreateCredentialRequest = Schemas['CreateCredentialRequest'];
export type RotateCredentialRequest = Schemas['RotateCredentialRequest'];
export type AuditEvent = Schemas['EventResponse'];
export type AuditEventList = Schemas['EventList'];
export type ListAuditEventsQuery = Query<'list_events'>;
export type MarketplaceAgent = Schemas['MarketplaceAgent'];
export type MarketplaceAgentPage = Schemas['MarketplaceAgentPage'];
export type MarketplaceList = Schemas['MarketplaceList'];
export type SearchMarketplaceQuery = Query<'search_agents'>;
export type TrustPolicy = Schemas['TrustPolicy'];
export type TrustPolicyList = Schemas['TrustPolicyList'];
export type CreateTrustPolicyRequest = Schemas['CreateTrustPolicyRequest'];
export type UpdateTrustPolicyRequest = Schemas['UpdateTrustPolicyRequest'];
export type ListTrustPoliciesQuery = Query<'list_policies'>;
export type Usage = Schemas['UsageResponse'];
export type CheckoutSession = Schemas['CheckoutSession'];
export type SignUpRequest = Schemas['SignUpRequest'];
export type TenantCreated = Schemas['TenantCreated'];
export type TokenRequest = Schemas['TokenForm'];
export type WorkloadTokenRequest = Schemas['WorkloadTokenRequest'];
export type Introspection = Schemas['IntrospectionResponse'];
export type ServerMetadata = Schemas['ServerMetadata'];
export type Health = Schemas['Health'];
export type DetailedHealth = Schemas['DetailedHealth'];
export type ErrorBody = Schemas['ErrorBody'];
