// Readable names for IBM documentation keyrefs (`{{site.data.keyword.x}}`) and for the
// service prefixes those pages document. Unknown keyrefs are humanised.

const KNOWN_KEYREFS: Record<string, string> = {
  'attribute-definition-list': '',
  cloud: 'IBM Cloud',
  cloud_notm: 'IBM Cloud',
  Bluemix: 'IBM Cloud',
  Bluemix_notm: 'IBM Cloud',
  IBM: 'IBM',
  IBM_notm: 'IBM',
  atracker_full: 'IBM Cloud Activity Tracker Event Routing',
  atracker_full_notm: 'IBM Cloud Activity Tracker Event Routing',
  atracker_short: 'Activity Tracker Event Routing',
  at_full: 'IBM Cloud Activity Tracker',
  at_full_notm: 'IBM Cloud Activity Tracker',
  at_short: 'Activity Tracker',
  cloudaccesstrailfull: 'IBM Cloud Activity Tracker',
  cloudaccesstrailshort: 'Activity Tracker',
  logs_full: 'IBM Cloud Logs',
  logs_full_notm: 'IBM Cloud Logs',
  logs_short: 'Cloud Logs',
  cos_full: 'IBM Cloud Object Storage',
  cos_full_notm: 'IBM Cloud Object Storage',
  cos_short: 'Object Storage',
  instructlab_full: 'IBM InstructLab',
  instructlab_short: 'InstructLab',
  speechtotextfull: 'IBM Watson Speech to Text',
  speechtotextshort: 'Speech to Text',
  texttospeechfull: 'IBM Watson Text to Speech',
  texttospeechshort: 'Text to Speech',
  iamlong: 'IBM Cloud Identity and Access Management',
  iamshort: 'IAM',
  vpc_full: 'IBM Cloud Virtual Private Cloud',
  vpc_short: 'VPC',
  vsi_is_full: 'Virtual Servers for VPC',
  keymanagementservicefull: 'IBM Key Protect for IBM Cloud',
  keymanagementserviceshort: 'Key Protect',
  messagehub_full: 'IBM Event Streams for IBM Cloud',
  messagehub: 'Event Streams',
  en_full: 'IBM Cloud Event Notifications',
  en_short: 'Event Notifications',
  'secrets-manager_full': 'IBM Cloud Secrets Manager',
  'secrets-manager_short': 'Secrets Manager',
  containerlong: 'IBM Cloud Kubernetes Service',
  containershort: 'Kubernetes Service',
  openshiftlong: 'Red Hat OpenShift on IBM Cloud',
  codeengineshort: 'Code Engine',
  codeenginefull: 'IBM Cloud Code Engine',
  'databases-for-postgresql_full': 'IBM Cloud Databases for PostgreSQL',
  wdp_full: 'IBM watsonx',
};

/** The readable text for a keyref name (the part after `site.data.keyword.`). */
export function keyrefText(name: string): string {
  if (name in KNOWN_KEYREFS) return KNOWN_KEYREFS[name]!;
  return humanise(name.replace(/(_?(full|short|long|notm))+$/i, ''));
}

/** `speech_to-text` -> `Speech To Text`. */
export function humanise(identifier: string): string {
  return identifier
    .split(/[_.\-\s]+/)
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ');
}

/** Display names of well-known service prefixes, used before anything the page suggests. */
const KNOWN_SERVICES: Record<string, string> = {
  instructlab: 'InstructLab',
  'cloud-object-storage': 'Cloud Object Storage',
  'speech-to-text': 'Speech to Text',
  'text-to-speech': 'Text to Speech',
  'audit-log': 'Classic Virtual Server Instances',
  'data-science-experience': 'watsonx.ai Studio',
  data_science_experience: 'watsonx.ai Studio feature groups',
  domodel: 'Decision Optimization',
  datacatalog: 'Watson Knowledge Catalog assets',
  'wdp-connect-connection': 'Connections',
  'wdp.scheduling': 'Scheduling',
  'wdp-profiling': 'Profiling',
  'pm-20': 'watsonx.ai Runtime',
  aiopenscale: 'Watson OpenScale',
  'iam-am': 'IAM Access Management',
  'iam-identity': 'IAM Identity Services',
  'iam-groups': 'IAM Access Groups',
  atracker: 'Activity Tracker Event Routing',
  logs: 'Cloud Logs',
  'kms': 'Key Protect',
  'secrets-manager': 'Secrets Manager',
  'event-notifications': 'Event Notifications',
  messagehub: 'Event Streams',
  'codeengine': 'Code Engine',
  'containers-kubernetes': 'Kubernetes Service',
  'is.instance': 'Virtual Server Instances for VPC',
  'is.vpc': 'Virtual Private Cloud',
  'is.volume': 'Block Storage for VPC',
  'is.subnet': 'VPC Subnets',
  'is.security-group': 'VPC Security Groups',
  'is.load-balancer': 'VPC Load Balancers',
  'is.floating-ip': 'VPC Floating IPs',
  'is.public-gateway': 'VPC Public Gateways',
  gateway: 'Audit Query Gateway',
};

export function knownServiceName(prefix: string): string | null {
  return KNOWN_SERVICES[prefix] ?? null;
}
