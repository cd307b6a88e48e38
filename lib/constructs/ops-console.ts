import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Aws, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { acknowledge, wildcardResourceRule } from '../acknowledge';
import type { StageConfig } from '../config';
import { REPO_ROOT } from './function';
import { browserMessagesScript } from '../../functions/shared/messages';

/** The console's static files; deployed as they are, under CONSOLE_PREFIX. */
export const CONSOLE_DIR = path.join(REPO_ROOT, 'console');
/** The site serves the console under /ops/, as the local gateway does. */
export const CONSOLE_PREFIX = 'ops';

export interface OpsConsoleProps {
  config: StageConfig;
}

/**
 * The ops console and the bank holders' not-me page: static files in a private bucket,
 * served only through CloudFront (Origin Access Control), over HTTPS, with strict
 * security headers. The site does not depend on the API, so the API's CORS can name
 * the site's origin without a dependency cycle; the API URL reaches the pages through
 * a generated `ops/config.js`, written by the deployment after both exist.
 */
export class OpsConsole extends Construct {
  readonly bucket: s3.Bucket;
  readonly logs: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly headers: cloudfront.ResponseHeadersPolicy;
  private readonly retain: boolean;

  constructor(scope: Construct, id: string, props: OpsConsoleProps) {
    super(scope, id);
    const retain = props.config.retainData;
    this.retain = retain;
    // dev: nothing here is worth keeping, so the buckets empty themselves when the stack goes.
    const lifecycle = retain ? { removalPolicy: RemovalPolicy.RETAIN } : { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true };

    this.logs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logging delivers with an ACL grant, which needs ACLs enabled.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: retain ? Duration.days(365) : Duration.days(30) }],
      ...lifecycle,
    });
    acknowledge(this.logs, 'AwsSolutions-S1', 'This is the access-log bucket of the console bucket and of the distribution; logging its own access would need yet another log bucket with this same exemption');

    this.bucket = new s3.Bucket(this, 'Site', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: this.logs,
      serverAccessLogsPrefix: 's3/site/',
      // Versions are for rolling back a bad console deploy, not for ever.
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      ...lifecycle,
    });

    this.headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: `Anshin Wallet ${props.config.stage} ops console: CSP, HSTS, no framing, no referrer`,
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: contentSecurityPolicy(CONSOLE_DIR), override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        // The not-me page carries its token in the query string: never pass the URL on.
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Anshin Wallet ${props.config.stage} ops console`,
      defaultRootObject: `${CONSOLE_PREFIX}/index.html`,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.headers,
        compress: true,
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      // Edge locations in Japan and Asia are in this class; the users and the staff are there.
      priceClass: cloudfront.PriceClass.PRICE_CLASS_200,
      enableLogging: true,
      logBucket: this.logs,
      logFilePrefix: 'cloudfront/',
    });
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'No geo restriction: the site is static files with no data (every action goes through the authenticated API), and a bank account holder reporting "not me" may be abroad',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR2',
      'No WAF on the static console: it serves public HTML/JS only; the data and every action sit behind the Cognito-authorized, throttled API. A web ACL would cost more than the files it protects',
    );
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR4',
      'The site uses the default *.cloudfront.net certificate, for which CloudFront fixes the viewer TLS policy; a custom domain with an ACM certificate and TLSv1.2_2021 is the fix once the console gets its own domain',
    );
  }

  /** `https://<distribution domain>`: the origin the API's CORS must accept. */
  get origin(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }

  get url(): string {
    return `${this.origin}/${CONSOLE_PREFIX}/index.html`;
  }

  /** Where bank holders' not-me links point (NOT_ME_PAGE_URL of the functions). */
  get notMePageUrl(): string {
    return `${this.origin}/${CONSOLE_PREFIX}/not-me.html`;
  }

  /**
   * Uploads console/ and a generated config.js that points the pages at the API and at the
   * staff pool's console client (staff sign in there, with their authenticator code).
   */
  deploy(apiUrl: string, staffSignIn: { region: string; clientId: string }): s3deploy.BucketDeployment {
    // An asset of our own rather than Source.asset, so the grant on the asset bucket can be named below.
    const files = new s3assets.Asset(this, 'Files', { path: CONSOLE_DIR });
    const config = `window.ANSHIN_API_URL = '${apiUrl}';\nwindow.ANSHIN_STAFF_SIGN_IN = { region: '${staffSignIn.region}', clientId: '${staffSignIn.clientId}' };\n`;
    const deployment = new s3deploy.BucketDeployment(this, 'Deployment', {
      sources: [
        s3deploy.Source.bucket(files.bucket, files.s3ObjectKey),
        s3deploy.Source.data('config.js', config),
        // The pages' texts, from the one message catalog.
        s3deploy.Source.data('messages.js', browserMessagesScript()),
      ],
      destinationBucket: this.bucket,
      destinationKeyPrefix: `${CONSOLE_PREFIX}/`,
      // A new deploy must show at once, config.js included.
      distribution: this.distribution,
      distributionPaths: [`/${CONSOLE_PREFIX}/*`],
      logGroup: new logs.LogGroup(this, 'DeploymentLogs', {
        retention: logs.RetentionDays.ONE_MONTH,
        removalPolicy: this.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      }),
    });

    // The deployment's handler is aws-cdk-lib's own provider, shared by the stack and run only by
    // CloudFormation during deploys; these are the permissions it is built with.
    const handler = deployment.handlerRole.node.scope;
    if (handler) {
      acknowledge(
        handler,
        'AwsSolutions-L1',
        'The BucketDeployment provider\'s runtime is chosen by aws-cdk-lib to match its bundled AWS CLI layer and cannot be set; it runs only during deploys and moves aws-cdk-lib upgrades along',
      );
    }
    const role = deployment.handlerRole;
    acknowledge(
      role,
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'BucketDeployment\'s provider role as aws-cdk-lib builds it: the basic execution policy lets it write its deploy-time logs',
    );
    const grantVerbs = 'the wildcard verbs of aws-cdk-lib\'s S3 read/write grants (GetObject*, GetBucket*, List*, DeleteObject*, Abort*), which copy and prune objects';
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) {
      acknowledge(role, `AwsSolutions-IAM5[Action::${action}]`, `BucketDeployment provider: ${grantVerbs}; limited to the CDK asset bucket (read) and the console bucket`);
    }
    acknowledge(
      role,
      wildcardResourceRule(this, files.bucket.arnForObjects('*')),
      'BucketDeployment provider: reads the zipped console and config.js from the CDK assets bucket; asset object keys are content hashes, so the grant names all objects of that bucket',
    );
    acknowledge(
      role,
      wildcardResourceRule(this, this.bucket.arnForObjects('*')),
      'BucketDeployment provider: writes and prunes the console files, which are any objects of the console bucket',
    );
    acknowledge(
      role,
      'AwsSolutions-IAM5[Resource::*]',
      'BucketDeployment provider: cloudfront:CreateInvalidation/GetInvalidation, which aws-cdk-lib grants on "*", to invalidate /ops/* after a deploy',
    );
    return deployment;
  }
}

/**
 * No inline code runs unless the policy names it: the inline <script> and <style> blocks of the
 * console's pages are allowed by their hashes, computed from the very files being deployed. The
 * pages call the API (API Gateway, this region) and Cognito (staff sign-in), nothing else.
 */
export function contentSecurityPolicy(dir: string): string {
  const scripts = new Set<string>();
  const styles = new Set<string>();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.html')).sort()) {
    const html = fs.readFileSync(path.join(dir, file), 'utf8');
    for (const [, attrs, body] of html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/gi)) if (!/\bsrc\s*=/i.test(attrs) && body.trim() !== '') scripts.add(sha256(body));
    for (const [, body] of html.matchAll(/<style[^>]*>([\s\S]*?)<\/style>/gi)) styles.add(sha256(body));
  }
  return [
    "default-src 'self'",
    `script-src 'self'${[...scripts].map((h) => ` '${h}'`).join('')}`,
    `style-src 'self'${[...styles].map((h) => ` '${h}'`).join('')}`,
    // The API, and Cognito's endpoint where staff sign in to the staff pool.
    `connect-src 'self' https://*.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX} https://cognito-idp.${Aws.REGION}.amazonaws.com`,
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}
