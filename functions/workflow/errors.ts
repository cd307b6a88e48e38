/** The saga's error names live with the saga's one error table (functions/domain/saga.ts); the workflow definition reads them here. */
export { WORKFLOW_ERRORS, WorkflowError, type WorkflowErrorName } from '../domain/saga';
