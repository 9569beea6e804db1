//! The domain types: IDs, CIDRs and Regions parse strictly.

use tgw_peering_core::domain::*;

#[test]
fn region_codes_parse_and_garbage_is_rejected() {
    for ok in ["us-east-1", "eu-central-2", "us-gov-west-1", "ap-southeast-4"] {
        assert_eq!(Region::parse(ok).unwrap().as_str(), ok);
    }
    for bad in ["", "us-east", "US-EAST-1", "us--1", "us-east-x", "us east 1"] {
        assert!(Region::parse(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn ids_require_their_prefix() {
    assert!(TransitGatewayId::parse("tgw-0123abcd").is_ok());
    assert!(TransitGatewayId::parse("tgw-rtb-0123").is_err());
    assert!(RouteTableId::parse("tgw-rtb-0123abcd").is_ok());
    assert!(AttachmentId::parse("tgw-attach-01").is_ok());
    assert!(AttachmentId::parse("tgw-01").is_err());
    assert!(VpcId::parse("vpc-0a").is_ok());
    assert!(VpcId::parse("vpc-").is_err());
    assert!(VpcId::parse("vpc-ABC").is_err());
    assert!(VpcRouteTableId::parse("rtb-0a1b").is_ok());
    assert!(VpcRouteTableId::parse("tgw-rtb-0a1b").is_err());
    assert!(RouteTableId::parse("rtb-0a1b").is_err());
    assert!(AccountId::parse("123456789012").is_ok());
    assert!(AccountId::parse("12345678901").is_err());
}

#[test]
fn cidrs_must_be_canonical() {
    assert!(Cidr::parse("10.0.0.0/16").is_ok());
    assert!(Cidr::parse("2600:1f18:abcd::/56").is_ok());
    let err = Cidr::parse("10.0.0.1/16").unwrap_err();
    assert!(err.to_string().contains("host bits"), "{err}");
    assert!(Cidr::parse("10.0.0.0").is_err());
    assert!(Cidr::parse("nonsense").is_err());
}

#[test]
fn supernets_walk_up_to_the_default_route() {
    let c = Cidr::parse("10.1.2.0/24").unwrap();
    let s: Vec<String> = c.supernets().map(|c| c.to_string()).collect();
    assert_eq!(s.len(), 24);
    assert_eq!(s[0], "10.1.2.0/23");
    assert_eq!(s[8], "10.0.0.0/15");
    assert_eq!(s[7], "10.1.0.0/16");
    assert_eq!(s.last().unwrap(), "0.0.0.0/0");
}

#[test]
fn tag_value_true_matches_in_any_case_and_key_is_exact() {
    let mut vpc = Vpc {
        id: VpcId::parse("vpc-1").unwrap(),
        tags: Default::default(),
        cidrs: vec![],
        owner: None,
    };
    for v in ["true", "True", "TRUE"] {
        vpc.tags.insert("addToTransitGateway".into(), v.into());
        assert!(vpc.is_tagged("addToTransitGateway"), "{v}");
    }
    vpc.tags.insert("addToTransitGateway".into(), "false".into());
    assert!(!vpc.is_tagged("addToTransitGateway"));
    vpc.tags.clear();
    vpc.tags.insert("addtotransitgateway".into(), "true".into());
    assert!(!vpc.is_tagged("addToTransitGateway"));
}

#[test]
fn unknown_peering_states_are_kept_and_treated_as_live() {
    let s = PeeringState::parse("somethingNew");
    assert_eq!(s.as_str(), "somethingNew");
    assert_eq!(s.phase(), PeeringPhase::Live);
    assert_eq!(PeeringState::parse("rejected").phase(), PeeringPhase::Failed);
    assert_eq!(PeeringState::parse("deleted").phase(), PeeringPhase::Gone);
    assert_eq!(PeeringState::parse("failed").phase(), PeeringPhase::Failed);
}
#[test]
fn role_arns_carry_their_account() {
    for (arn, account) in [
        ("arn:aws:iam::111111111111:role/tgw-peering-spoke", "111111111111"),
        ("arn:aws:iam::222222222222:role/path/to/spoke", "222222222222"),
        ("arn:aws-us-gov:iam::333333333333:role/a+b=c,d.e@f_g-h", "333333333333"),
    ] {
        let r = RoleArn::parse(arn).unwrap();
        assert_eq!(r.as_str(), arn);
        assert_eq!(r.account().as_str(), account);
        assert_eq!(r.to_string(), arn);
    }
}

#[test]
fn anything_but_a_role_arn_is_refused() {
    for bad in [
        "",
        "tgw-peering-spoke",
        "arn:aws:iam::111111111111:user/alice",
        "arn:aws:iam::111111111111:role/",
        "arn:aws:iam::111111111111:role/trailing/",
        "arn:aws:iam::1111:role/x",
        "arn:aws:iam:us-east-1:111111111111:role/x",
        "arn:aws:sts::111111111111:assumed-role/x/y",
        "arn:other:iam::111111111111:role/x",
        "arn:aws:iam::111111111111:role/has space",
        "arn:aws:iam::111111111111:role/star*",
    ] {
        assert!(RoleArn::parse(bad).is_err(), "{bad:?} accepted");
    }
}

#[test]
fn each_region_names_the_partition_of_its_role_arns() {
    use tgw_peering_core::domain::{AccountId, Region, RoleArn};
    let account = AccountId::parse("222222222222").unwrap();
    for (region, partition) in [
        ("us-east-1", "aws"),
        ("cn-north-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("eu-isoe-west-1", "aws-iso-e"),
        ("us-isof-south-1", "aws-iso-f"),
        ("eusc-de-east-1", "aws-eusc"),
    ] {
        let r = Region::parse(region).unwrap();
        assert_eq!(r.partition(), partition, "{region}");
        let role = RoleArn::of(r.partition(), &account, "tgw-peering-workload-read").unwrap();
        assert_eq!(
            role.as_str(),
            format!("arn:{partition}:iam::222222222222:role/tgw-peering-workload-read")
        );
    }
}
