"""Every permission of the application, named <resource>:<action> and kept sorted.

Views name these members, never string literals; ACLs grant them to principals
(security.py defines the principals; resources.py and the models compute the ACLs).
"""

from enum import StrEnum


class Permissions(StrEnum):
    AccountRegister = "account:register"  # sign up and sign in (anonymous visitors)
    AccountSelf = "account:self"  # the signed-in user's own profile, data export and sign-out
    AdminAgencies = "admin:agencies"  # create and edit agencies and their units
    AdminOutbox = "admin:outbox"  # the outbox's counts and dead letters, and putting them back to be sent
    AdminReports = "admin:reports"  # the reports waiting for the worker and those that failed, building them again
    AdminSyndication = "admin:syndication"  # the pushes to the national system, putting dead ones back to be sent
    AdminUsers = "admin:users"  # list users, grant and revoke roles
    AgencyStaff = "agency:staff"  # the agency's internal pages: staff, units, work in progress
    ArticleEdit = "article:edit"  # change the articles: the draft's before opening, the final text once closed
    AuditView = "audit:view"  # the audit log and every draft's response history, with exports (auditors)
    CertificateDownload = "certificate:download"  # a certificate's PDF and credential (its holder, its agency's editors)
    CertificateMine = "certificate:mine"  # one's own certificates and the annual one (signed in)
    CertificateRevoke = "certificate:revoke"  # revoke a certificate with a reason (its agency's editors)
    CertificateVerify = "certificate:verify"  # check a certificate's code and read the public key (anyone)
    CommentAdd = "comment:add"  # comment on a draft or one of its articles (signed in, during the consultation)
    CommentEdit = "comment:edit"  # edit or withdraw one's own comment while the consultation runs
    CommentModerate = "comment:moderate"  # hide a comment with a reason, or restore it (the agency's editors)
    CommentReport = "comment:report"  # report an abusive comment to the moderators
    CommentSupport = "comment:support"  # support another participant's comment
    DraftAdd = "draft:add"  # write a new draft document for an agency
    DraftEdit = "draft:edit"  # change a draft's type, unit, texts and original file (before opening only)
    DraftExtend = "draft:extend"  # move a consultation's end later (W2)
    DraftHistory = "draft:history"  # the workflow history of a draft
    DraftOpen = "draft:open"  # put a draft to the public (W1)
    DraftPublish = "draft:publish"  # publish the outcome of a closed consultation (W4)
    DraftView = "draft:view"  # read a draft, its articles and files
    DraftWithdraw = "draft:withdraw"  # end a consultation early, with a reason (W3)
    EmbedManage = "embed:manage"  # the agency's widget for its portal: the snippet, the origins that may frame it
    PlanComment = "plan:comment"  # comment on a published plan entry's intent (signed in, confirmed address)
    PlanEdit = "plan:edit"  # write, publish and withdraw the agency's forward-plan entries (its editors, coordinators)
    PlanFollow = "plan:follow"  # follow a published plan entry, to be told when its draft opens (signed in)
    PlanModerate = "plan:moderate"  # hide a comment on a plan entry with a reason (the agency's editors, coordinators)
    PlanView = "plan:view"  # read a plan entry (everyone once published; the agency's staff and auditors before)
    PointsReview = "points:review"  # the accounts whose points came mostly from hidden or campaign comments (editors)
    PointsSelf = "points:self"  # one's own points, level and badges, and the choice to appear on the leaderboards
    PointsThank = "points:thank"  # choose and publish the agency's thank-you list (its editors and coordinators)
    ReportEdit = "report:edit"  # rebuild the report, curate its themes, write its summary, finalise it (editors)
    ReportView = "report:view"  # the consultation's report and its downloads (public once published)
    ResponseHistory = "response:history"  # the responses' work page and every revision (agency staff, auditors)
    ResponseView = "response:view"  # the outcome: comments with their responses (public once published)
    ResponseWrite = "response:write"  # answer comments and revise the answers (editors, closed until published)
    ServiceAnswer = "service:answer"  # answer a rating's comment publicly (the agency's editors, its responders)
    ServiceManage = "service:manage"  # list an agency's services and processes (its editors and coordinators)
    ServiceRate = "service:rate"  # rate a service (signed-in citizens, at any time)
    SiteView = "site:view"  # public pages
    SubscriptionEmail = "subscription:email"  # follow by e-mail alone, confirm it and unsubscribe by link (anyone)
    SubscriptionFollow = "subscription:follow"  # follow agencies, document types or the site and choose channels
    SurveyAnswer = "survey:answer"  # answer a draft's survey (signed in, during the consultation)
    SurveyDesign = "survey:design"  # write a draft's survey (its agency's editors, before opening)
    Unassigned = "view:unassigned"  # the default for views that name none: granted by no ACL
    VoteCast = "vote:cast"  # support, oppose or abstain on a draft (signed in, during the consultation)
