package ai.sentryagent.agentidp;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.factories.DefaultJWSSignerFactory;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.util.Date;
import java.util.Map;
import java.util.UUID;

/**
 * Tokens for an agent with a {@code public_key} credential (RFC 7523 {@code private_key_jwt}):
 * each request carries a fresh client assertion signed by the private key, so no secret leaves
 * the agent.
 */
public final class PrivateKeyJwtTokenProvider extends CachingTokenProvider {
  private static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

  private final JWSSigner signer;
  private final JWSAlgorithm algorithm;
  private final String keyId;

  /**
   * A caching provider that signs with {@code privateKey}.
   *
   * @param options the server, agent and what to ask for
   * @param privateKey a private RSA, P-256 or Ed25519 JWK; its {@code alg} (or the one its type
   *     implies) is used, and the assertions name it by its RFC 7638 thumbprint, which is the
   *     {@code kid} AgentIdP gives a registered key
   */
  public PrivateKeyJwtTokenProvider(Options options, JWK privateKey) {
    super(options);
    if (!privateKey.isPrivate()) {
      throw new IllegalArgumentException("the JWK must hold the private key");
    }
    try {
      this.algorithm = privateKey.getAlgorithm() != null
          ? JWSAlgorithm.parse(privateKey.getAlgorithm().getName())
          : switch (privateKey.getKeyType().getValue()) {
              case "RSA" -> JWSAlgorithm.RS256;
              case "EC" -> JWSAlgorithm.ES256;
              default -> JWSAlgorithm.EdDSA;
            };
      this.signer = new DefaultJWSSignerFactory().createJWSSigner(privateKey, algorithm);
      this.keyId = privateKey.computeThumbprint().toString();
    } catch (JOSEException e) {
      throw new IllegalArgumentException("the key cannot sign " + privateKey.getKeyType(), e);
    }
  }

  /**
   * The {@code kid} the assertions carry.
   *
   * @return the key id
   */
  public String keyId() {
    return keyId;
  }

  @Override
  protected void authenticate(Map<String, String> headers, Map<String, String> form) {
    Date now = new Date();
    JWTClaimsSet claims = new JWTClaimsSet.Builder()
        .issuer(clientId()).subject(clientId()).audience(tokenEndpoint())
        .issueTime(now).expirationTime(new Date(now.getTime() + 60_000)).jwtID(UUID.randomUUID().toString())
        .build();
    SignedJWT assertion = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(keyId).type(JOSEObjectType.JWT).build(), claims);
    try {
      assertion.sign(signer);
    } catch (JOSEException e) {
      throw new AgentIdPException("signing_failed", "the client assertion could not be signed", 0, Map.of(), e);
    }
    form.put("client_id", clientId());
    form.put("client_assertion_type", ASSERTION_TYPE);
    form.put("client_assertion", assertion.serialize());
  }

  @Override
  public String toString() {
    return "PrivateKeyJwtTokenProvider[" + clientId() + ", kid " + keyId + "]";
  }
}
